"""The fast LightGCN path against dense-matrix LightGCN: propagation, gradients, BPR step."""

from __future__ import annotations

import pytest
import torch

from recgnn.data.graph import BipartiteGraph
from recgnn.models.lightgcn import LightGCN
from recgnn.models.propagation import LayerMeanPropagation, layer_mean_propagation
from recgnn.training.loss import bpr_loss
from tests.factories import interactions

# u4 and i4 have no edge. u0 and i3 have degree 3, so rows differ in scale.
# Â contains float32 values, so comparisons with the float64 dense build allow 1e-6.
PAIRS = [(0, 0), (0, 1), (0, 3), (1, 1), (1, 2), (2, 3), (3, 0), (3, 3)]
NUM_USERS, NUM_ITEMS = 5, 5


def toy_graph() -> BipartiteGraph:
    return BipartiteGraph.from_interactions(interactions(PAIRS, NUM_USERS, NUM_ITEMS))


def dense_normalized_adjacency() -> torch.Tensor:
    """Build D^-1/2 A D^-1/2 entry by entry from the pair list, in float64."""
    num_nodes = NUM_USERS + NUM_ITEMS
    adjacency = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    for user, item in PAIRS:
        adjacency[user, NUM_USERS + item] = adjacency[NUM_USERS + item, user] = 1.0
    degree = adjacency.sum(1)
    inv_sqrt = torch.where(degree > 0, degree.pow(-0.5), torch.zeros_like(degree))
    return inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]


def dense_layer_mean(embedding: torch.Tensor, num_layers: int) -> torch.Tensor:
    """LightGCN's final embeddings with dense matrices and plain autograd."""
    normalized = dense_normalized_adjacency().to(embedding.dtype)
    layer, total = embedding, embedding
    for _ in range(num_layers):
        layer = normalized @ layer
        total = total + layer
    return total / (num_layers + 1)


def dense_bpr_loss(weight: torch.Tensor, users, pos, neg, num_layers: int, l2_reg: float):
    """The BPR objective written out: final embeddings, dot products, layer-0 L2 penalty."""
    final = dense_layer_mean(weight, num_layers)
    user_emb, pos_emb, neg_emb = final[users], final[NUM_USERS + pos], final[NUM_USERS + neg]
    penalty = (
        weight[users].pow(2).sum()
        + weight[NUM_USERS + pos].pow(2).sum()
        + weight[NUM_USERS + neg].pow(2).sum()
    ) / (2 * len(users))
    pos_scores, neg_scores = (user_emb * pos_emb).sum(-1), (user_emb * neg_emb).sum(-1)
    return bpr_loss(pos_scores, neg_scores) + l2_reg * penalty


@pytest.mark.parametrize("num_layers", [0, 1, 3])
def test_propagation_forward_equals_dense(num_layers):
    adjacency = toy_graph().normalized_adjacency.double()
    embedding = torch.randn(NUM_USERS + NUM_ITEMS, 4, dtype=torch.float64)
    fast = layer_mean_propagation(embedding, adjacency, num_layers)
    assert torch.allclose(fast, dense_layer_mean(embedding, num_layers), atol=1e-6)


@pytest.mark.parametrize("num_layers", [0, 1, 3])
def test_propagation_gradient_equals_dense(num_layers):
    adjacency = toy_graph().normalized_adjacency.double()
    embedding = torch.randn(NUM_USERS + NUM_ITEMS, 4, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(NUM_USERS + NUM_ITEMS, 4, dtype=torch.float64)
    (fast_grad,) = torch.autograd.grad(
        layer_mean_propagation(embedding, adjacency, num_layers), embedding, upstream
    )
    (dense_grad,) = torch.autograd.grad(
        dense_layer_mean(embedding, num_layers), embedding, upstream
    )
    assert torch.allclose(fast_grad, dense_grad, atol=1e-6)


def test_propagation_passes_gradcheck():
    adjacency = toy_graph().normalized_adjacency.double()
    embedding = torch.randn(NUM_USERS + NUM_ITEMS, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x: LayerMeanPropagation.apply(x, adjacency, 2), (embedding,)
    )


def test_bpr_step_gradient_equals_dense():
    torch.manual_seed(0)
    model = LightGCN(NUM_USERS, NUM_ITEMS, embedding_dim=4, num_layers=3).double()
    model.fit(toy_graph())
    # Repeated users and items, as in real batches, must accumulate gradients.
    users, pos, neg = (
        torch.tensor([0, 1, 0, 3]),
        torch.tensor([1, 2, 3, 0]),
        torch.tensor([4, 4, 2, 1]),
    )
    pos_scores, neg_scores, penalty = model.pair_scores(users, pos, neg)
    loss = bpr_loss(pos_scores, neg_scores) + 0.1 * penalty
    loss.backward()

    weight = model.embedding.weight.detach().clone().requires_grad_()
    expected = dense_bpr_loss(weight, users, pos, neg, num_layers=3, l2_reg=0.1)
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)
    assert torch.allclose(model.embedding.weight.grad, weight.grad, atol=1e-6)


def test_adjacency_follows_model_and_stays_out_of_checkpoint():
    model = LightGCN(NUM_USERS, NUM_ITEMS, embedding_dim=4)
    model.fit(toy_graph())
    model.double()
    assert model.adjacency.dtype == torch.float64
    assert model.adjacency.layout == torch.sparse_csr
    assert "adjacency" not in model.state_dict()


def test_propagate_before_fit_raises():
    model = LightGCN(NUM_USERS, NUM_ITEMS, embedding_dim=4)
    with pytest.raises(RuntimeError, match=r"fit\(graph\) must be called"):
        model.propagate()


def test_propagation_rejects_negative_layers():
    adjacency = toy_graph().normalized_adjacency
    with pytest.raises(ValueError, match="num_layers must be >= 0, got -1"):
        layer_mean_propagation(torch.zeros(NUM_USERS + NUM_ITEMS, 2), adjacency, -1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_propagation_on_cuda_equals_cpu():
    adjacency = toy_graph().normalized_adjacency
    embedding = torch.randn(NUM_USERS + NUM_ITEMS, 4, requires_grad=True)
    upstream = torch.randn(NUM_USERS + NUM_ITEMS, 4)
    cpu_out = layer_mean_propagation(embedding, adjacency, 3)
    (cpu_grad,) = torch.autograd.grad(cpu_out, embedding, upstream)
    on_gpu = embedding.detach().cuda().requires_grad_()
    gpu_out = layer_mean_propagation(on_gpu, adjacency.cuda(), 3)
    (gpu_grad,) = torch.autograd.grad(gpu_out, on_gpu, upstream.cuda())
    assert torch.allclose(gpu_out.cpu(), cpu_out, atol=1e-5)
    assert torch.allclose(gpu_grad.cpu(), cpu_grad, atol=1e-5)


def test_device_mismatch_names_both_devices():
    adjacency = toy_graph().normalized_adjacency.to("meta")
    with pytest.raises(ValueError, match="adjacency is on meta but the embeddings are on cpu"):
        layer_mean_propagation(torch.zeros(NUM_USERS + NUM_ITEMS, 2), adjacency, 1)
