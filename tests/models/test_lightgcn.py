"""LightGCN propagation and scores against a dense-matrix computation."""

from __future__ import annotations

import torch

from recgnn.data.graph import BipartiteGraph
from recgnn.models.lightgcn import LightGCN
from tests.factories import interactions


def dense_lightgcn(embedding: torch.Tensor, pairs, num_users, num_items, num_layers):
    """Compute LightGCN's final embeddings densely: the mean of Â^k E for k = 0..L.

    Â = D^-1/2 A D^-1/2 is built from the adjacency matrix A of the pairs.
    """
    num_nodes = num_users + num_items
    adjacency = torch.zeros(num_nodes, num_nodes, dtype=torch.float64)
    for user, item in pairs:
        adjacency[user, num_users + item] = adjacency[num_users + item, user] = 1.0
    degree = adjacency.sum(1)
    inv_sqrt = torch.where(degree > 0, degree.pow(-0.5), torch.zeros_like(degree))
    normalized = inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]
    layer, total = embedding.double(), embedding.double()
    for _ in range(num_layers):
        layer = normalized @ layer
        total = total + layer
    return total / (num_layers + 1)


def toy_model(num_layers: int = 3) -> tuple[LightGCN, list, int, int]:
    pairs = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (3, 0), (3, 3)]
    num_users, num_items = 5, 4  # user 4 has no edge
    torch.manual_seed(0)
    model = LightGCN(num_users, num_items, embedding_dim=6, num_layers=num_layers)
    model.fit(BipartiteGraph.from_interactions(interactions(pairs, num_users, num_items)))
    return model, pairs, num_users, num_items


def test_propagation_equals_dense_computation():
    for num_layers in (0, 1, 3):
        model, pairs, num_users, num_items = toy_model(num_layers)
        expected = dense_lightgcn(model.embedding.weight.detach(), pairs, num_users, num_items,
                                  num_layers)  # fmt: skip
        assert torch.allclose(model.propagate().double(), expected, atol=1e-6)


def test_scores_are_dot_products_of_final_embeddings():
    model, pairs, num_users, num_items = toy_model()
    model.eval()
    final = dense_lightgcn(model.embedding.weight.detach(), pairs, num_users, num_items, 3)
    expected = final[:num_users] @ final[num_users:].T
    scores = model.score_users(torch.arange(num_users))
    assert torch.allclose(scores.double(), expected, atol=1e-6)


def test_penalty_uses_batch_layer0_embeddings():
    model, *_ = toy_model()
    users, pos, neg = torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([2, 3])
    _, _, penalty = model.pair_scores(users, pos, neg)
    weight = model.embedding.weight
    expected = (weight[users].pow(2).sum() + weight[5 + pos].pow(2).sum()
                + weight[5 + neg].pow(2).sum()) / (2 * 2)  # fmt: skip
    assert torch.allclose(penalty, expected)


def test_cached_scores_refresh_after_training_step():
    model, *_ = toy_model()
    model.eval()
    before = model.score_users(torch.tensor([0]))
    model.train()
    with torch.no_grad():
        model.embedding.weight.add_(1.0)
    model.eval()
    assert not torch.allclose(before, model.score_users(torch.tensor([0])))
