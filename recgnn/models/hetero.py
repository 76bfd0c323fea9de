"""The user–item training graph as PyG heterogeneous data, for GraphSAGE.

Node types ``user`` and ``item``; edge types ``(user, rates, item)`` and its
reverse ``(item, rated_by, user)``, so that messages flow both ways.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from recgnn.data.graph import BipartiteGraph

USER, ITEM = "user", "item"
RATES = (USER, "rates", ITEM)
RATED_BY = (ITEM, "rated_by", USER)


def to_hetero(graph: BipartiteGraph) -> HeteroData:
    """Return the training graph with user and item node types and both edge directions.

    Each edge type's edges are sorted by target node, so that masking keeps
    them sorted and :func:`adjacencies` needs no sort.
    """
    data = HeteroData()
    data[USER].num_nodes = graph.num_users
    data[ITEM].num_nodes = graph.num_items
    forward = torch.stack([graph.user_index, graph.item_index])
    for edge_type, edges in ((RATES, forward), (RATED_BY, forward.flip(0))):
        data[edge_type].edge_index = edges[:, torch.argsort(edges[1], stable=True)]
    return data


def known_edges(edge_index: dict[tuple, Tensor], known: dict[str, Tensor]) -> dict[tuple, Tensor]:
    """Return the edges whose two endpoints are both known."""
    kept = {}
    for edge_type, edges in edge_index.items():
        source_type, _, target_type = edge_type
        keep = known[source_type][edges[0]] & known[target_type][edges[1]]
        kept[edge_type] = edges[:, keep]
    return kept


def adjacencies(edge_index: dict[tuple, Tensor], num_nodes: dict[str, int]) -> dict:
    """Return each edge type's ``(num_targets, num_sources)`` 0/1 adjacency in sparse CSR.

    PyG's SAGEConv then aggregates with one sparse-dense product per layer.
    On an ML-100K-sized graph (torch 2.13, CPU) a layer's forward and backward
    pass ran five to ten times faster that way than along ``edge_index``.
    """
    result = {}
    with warnings.catch_warnings():
        # torch warns that sparse CSR is a beta feature; nothing the user can act on.
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
        for edge_type, (source, target) in edge_index.items():
            if len(target) > 1 and bool((target[1:] < target[:-1]).any()):
                order = torch.argsort(target, stable=True)
                source, target = source[order], target[order]
            num_targets = num_nodes[edge_type[-1]]
            row_pointer = torch.zeros(num_targets + 1, dtype=torch.long, device=target.device)
            row_pointer[1:] = torch.cumsum(torch.bincount(target, minlength=num_targets), 0)
            values = torch.ones(len(source), device=source.device)
            shape = (num_targets, num_nodes[edge_type[0]])
            # Built from sorted, in-range indices, so torch's invariant check can be skipped.
            result[edge_type] = torch.sparse_csr_tensor(
                row_pointer, source, values, shape, check_invariants=False
            )
    return result
