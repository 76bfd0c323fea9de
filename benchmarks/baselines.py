"""The code paths the benchmark compares against: PyG's stock LightGCN and earlier recgnn steps.

Every step here computes the same loss as :class:`recgnn.models.LightGCN`
with :func:`recgnn.training.loss.bpr_loss`: mean of layers 0..L over the
symmetric-normalized adjacency, BPR, and L2 on the batch's layer-0
embeddings divided by twice the batch size. They differ only in how.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn.conv import LGConv
from torch_geometric.nn.models import LightGCN as PygLightGCN
from torch_geometric.utils import spmm

from recgnn.data.graph import BipartiteGraph
from recgnn.models.propagation import layer_mean_propagation
from recgnn.training.loss import bpr_loss

Batch = tuple[Tensor, Tensor, Tensor]


def previous_normalized_adjacency(graph: BipartiteGraph) -> Tensor:
    """Build Â the way recgnn did before: COO with int64 indices, coalesce (a sort), to CSR."""
    degree = torch.cat([graph.user_degree, graph.item_degree]).double()
    inv_sqrt = torch.where(degree > 0, degree.rsqrt(), torch.zeros_like(degree))
    row, col = graph.edge_index
    values = (inv_sqrt[row] * inv_sqrt[col]).float()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse")
        adjacency = torch.sparse_coo_tensor(
            torch.stack([row, col]), values, (graph.num_nodes, graph.num_nodes)
        )
        return adjacency.coalesce().to_sparse_csr()


def _bpr_objective(final: Tensor, layer0: Tensor, batch: Batch, num_users: int, l2_reg: float):
    users, pos, neg = batch
    user_emb, pos_emb, neg_emb = final[users], final[num_users + pos], final[num_users + neg]
    penalty = (
        layer0[users].pow(2).sum()
        + layer0[num_users + pos].pow(2).sum()
        + layer0[num_users + neg].pow(2).sum()
    ) / (2 * len(users))
    loss = bpr_loss((user_emb * pos_emb).sum(-1), (user_emb * neg_emb).sum(-1))
    return loss + l2_reg * penalty


def stock_pyg_step(
    graph: BipartiteGraph,
    embedding_dim: int,
    num_layers: int,
    lr: float,
    l2_reg: float,
    device: torch.device,
) -> tuple[torch.nn.Module, Callable[[Batch], Tensor]]:
    """Return PyG's ``LightGCN`` and a step that calls ``get_embedding(edge_index)``.

    ``get_embedding`` runs ``LGConv(normalize=True)``, which recomputes the
    symmetric normalization from ``edge_index`` on every call and propagates
    by gather and scatter over the 2E directed edges.
    """
    model = PygLightGCN(graph.num_nodes, embedding_dim, num_layers).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    edge_index = graph.edge_index.to(device)

    def step(batch: Batch) -> Tensor:
        final = model.get_embedding(edge_index)
        loss = _bpr_objective(final, model.embedding.weight, batch, graph.num_users, l2_reg)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return model, step


def previous_recgnn_step(
    adjacency: Tensor,
    num_users: int,
    weight: Tensor,
    num_layers: int,
    lr: float,
    l2_reg: float,
    propagation: str,
    one_gather: bool = False,
) -> Callable[[Batch], Tensor]:
    """Return a step of an intermediate recgnn version, for the ablation table.

    ``propagation="autograd"`` is the earlier recgnn model: PyG's ``LGConv``
    over the cached Â, with torch's sparse backward (which transposes Â every
    step). ``propagation="symmetric"`` uses :func:`layer_mean_propagation`.
    ``one_gather`` gathers the batch rows once per table instead of six times.
    Adam is the plain (not fused) implementation.
    """
    embedding = torch.nn.Parameter(weight.detach().clone())
    optimizer = torch.optim.Adam([embedding], lr=lr)
    conv = LGConv(normalize=False)

    def propagate() -> Tensor:
        if propagation == "symmetric":
            return layer_mean_propagation(embedding, adjacency, num_layers)
        layer, total = embedding, embedding
        for _ in range(num_layers):
            layer = conv(layer, adjacency)
            total = total + layer
        return total / (num_layers + 1)

    def step(batch: Batch) -> Tensor:
        if one_gather:
            users, pos, neg = batch
            nodes = torch.cat([users, pos + num_users, neg + num_users])
            user_emb, pos_emb, neg_emb = F.embedding(nodes, propagate()).split(len(users))
            penalty = F.embedding(nodes, embedding).pow(2).sum() / (2 * len(users))
            scores = (user_emb * pos_emb).sum(-1), (user_emb * neg_emb).sum(-1)
            loss = bpr_loss(*scores) + l2_reg * penalty
        else:
            loss = _bpr_objective(propagate(), embedding, batch, num_users, l2_reg)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def sparse_product_floor(
    adjacency: Tensor, weight: Tensor, num_layers: int
) -> Callable[[], Tensor]:
    """Return ``L`` forward and ``L`` backward sparse products in a row, the step's floor."""
    embedding = weight.detach()

    def products() -> Tensor:
        layer = embedding
        for _ in range(2 * num_layers):
            layer = spmm(adjacency, layer)
        return layer

    return products


def previous_rank_batch(
    scores: Tensor,
    seen_rows: Tensor,
    seen_items: Tensor,
    target_rows: Tensor,
    target_items: Tensor,
    k: int,
) -> Tensor:
    """Rank one score block the way the evaluator did before, returning the hit matrix.

    Differences from the current evaluator: ``isfinite().all()`` builds three
    temporary blocks, and the targets go into a dense boolean block of the
    same shape as the scores.
    """
    if not torch.isfinite(scores).all():
        raise FloatingPointError("non-finite scores")
    scores[seen_rows, seen_items] = -torch.inf
    top_items = torch.topk(scores, k, dim=1).indices
    is_target = torch.zeros_like(scores, dtype=torch.bool)
    is_target[target_rows, target_items] = True
    return torch.gather(is_target, 1, top_items)
