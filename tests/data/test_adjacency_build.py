"""The sparse build of the normalized adjacency against a dense build from the edge list."""

from __future__ import annotations

import numpy as np
import torch

from recgnn.data.graph import BipartiteGraph


def dense_normalized(users, items, num_users: int, num_items: int) -> np.ndarray:
    """D^-1/2 A D^-1/2 with A counting each listed pair, built densely in float64."""
    num_nodes = num_users + num_items
    adjacency = np.zeros((num_nodes, num_nodes))
    for user, item in zip(users, items, strict=True):
        adjacency[user, num_users + item] += 1
        adjacency[num_users + item, user] += 1
    degree = adjacency.sum(1)
    inv_sqrt = np.where(degree > 0, 1 / np.sqrt(np.maximum(degree, 1)), 0.0)
    return inv_sqrt[:, None] * adjacency * inv_sqrt[None, :]


def random_graph(seed: int, num_users: int = 40, num_items: int = 30, num_pairs: int = 300):
    rng = np.random.default_rng(seed)
    users = rng.integers(0, num_users, num_pairs)
    items = rng.integers(0, num_items, num_pairs)
    graph = BipartiteGraph(torch.from_numpy(users), torch.from_numpy(items), num_users, num_items)
    return graph, users, items


def test_sparse_build_equals_dense_build():
    for seed in range(3):
        # Random pairs include repeats and users or items without any edge.
        graph, users, items = random_graph(seed)
        expected = dense_normalized(users, items, graph.num_users, graph.num_items)
        assert np.allclose(graph.normalized_adjacency.to_dense().numpy(), expected, atol=1e-6)


def test_build_is_symmetric_csr_with_sorted_int32_indices():
    graph, *_ = random_graph(seed=4)
    adjacency = graph.normalized_adjacency
    assert adjacency.layout == torch.sparse_csr
    assert adjacency.crow_indices().dtype == torch.int32
    assert adjacency.col_indices().dtype == torch.int32
    dense = adjacency.to_dense()
    assert torch.equal(dense, dense.T)
    crow, col = adjacency.crow_indices().long(), adjacency.col_indices()
    for row in range(graph.num_nodes):
        columns = col[crow[row] : crow[row + 1]]
        assert torch.all(columns[1:] > columns[:-1])


def test_graph_without_edges_gives_empty_matrix():
    empty = torch.zeros(0, dtype=torch.long)
    adjacency = BipartiteGraph(empty, empty, 2, 3).normalized_adjacency
    assert adjacency.shape == (5, 5)
    assert adjacency.values().numel() == 0
