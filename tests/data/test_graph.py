"""The training graph: normalized adjacency values and no held-out pair as an edge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.data.graph import BipartiteGraph
from tests.data.configs import compose_data
from tests.factories import interactions


def test_normalized_adjacency_values():
    # u0 has items i0, i1; u1 has i1. Degrees: u0 2, u1 1, i0 1, i1 2.
    graph = BipartiteGraph.from_interactions(interactions([(0, 0), (0, 1), (1, 1)], 2, 2))
    dense = graph.normalized_adjacency.to_dense()
    item = graph.num_users
    assert dense[0, item + 0].item() == pytest.approx(1 / math.sqrt(2 * 1))
    assert dense[0, item + 1].item() == pytest.approx(1 / math.sqrt(2 * 2))
    assert dense[1, item + 1].item() == pytest.approx(1 / math.sqrt(1 * 2))
    assert dense[1, item + 0].item() == 0.0
    assert graph.normalized_adjacency.values().numel() == 2 * 3
    assert np.allclose(dense.numpy(), dense.numpy().T)


def test_duplicate_edges_counted_once():
    graph = BipartiteGraph.from_interactions(interactions([(0, 0), (0, 0), (0, 1)], 1, 2))
    assert graph.num_edges == 2
    assert graph.user_degree.tolist() == [2]


def test_isolated_nodes_have_zero_rows():
    graph = BipartiteGraph.from_interactions(interactions([(0, 0)], 2, 3))
    dense = graph.normalized_adjacency.to_dense()
    assert dense[1].abs().sum().item() == 0.0
    assert dense[graph.num_users + 2].abs().sum().item() == 0.0


def test_ml100k_graph_holds_training_pairs_only(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "split.seed=3")
    data = prepare_data(cfg)
    graph = data.graph
    edge_keys = set((graph.user_index * graph.num_items + graph.item_index).tolist())
    assert len(edge_keys) == len(data.split.train)
    assert edge_keys.isdisjoint(data.split.test.pair_keys().tolist())
    assert edge_keys.isdisjoint(data.split.valid.pair_keys().tolist())
    total = len(data.split.train) + len(data.split.valid) + len(data.split.test)
    assert total == 100_000
