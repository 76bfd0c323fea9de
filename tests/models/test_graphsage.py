"""GraphSAGE: inductive scoring of unseen users and items, sampling, and its options."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from recgnn.data.datamodule import PreparedData
from recgnn.data.features import NodeFeatures
from recgnn.data.split import Split
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.graphsage import GraphSAGE
from recgnn.models.hetero import RATED_BY, RATES
from recgnn.models.neighbor_sampling import UniformNeighborSampler, sample_pairs
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer
from tests.models import tiny

# Tiny graphs train faster on one thread (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")

# Two tastes: users 0-9 have feature [1, 0] and like items 0-5 (feature [1, 0]);
# users 10-19 have [0, 1] and like items 6-11 ([0, 1]). Users 20 (taste A) and
# 21 (taste B), and items 12 (A) and 13 (B), have no training interaction.
NUM_USERS, NUM_ITEMS = 22, 14
UNSEEN_USER_A, UNSEEN_USER_B, COLD_ITEM_A, COLD_ITEM_B = 20, 21, 12, 13


def taste_data() -> PreparedData:
    rng = np.random.default_rng(1)
    pairs = []
    for user in range(20):
        liked = np.arange(6) if user < 10 else np.arange(6, 12)
        pairs += [(user, int(item)) for item in rng.choice(liked, 3, replace=False)]
    user_taste = [0] * 10 + [1] * 10 + [0, 1]
    item_taste = [0] * 6 + [1] * 6 + [0, 1]
    features = NodeFeatures(
        user=torch.eye(2)[user_taste], item=torch.eye(2)[item_taste],
        user_columns=["a", "b"], item_columns=["a", "b"],
    )  # fmt: skip
    train = tiny.interactions(pairs, NUM_USERS, NUM_ITEMS)
    empty = tiny.interactions([], NUM_USERS, NUM_ITEMS)
    graph = tiny.graph(pairs, NUM_USERS, NUM_ITEMS)
    return PreparedData("tastes", Split(train, empty, empty), graph, features)


def trained_model(**options) -> GraphSAGE:
    torch.manual_seed(0)
    data = taste_data()
    model = GraphSAGE(NUM_USERS, NUM_ITEMS, data.features.user, data.features.item,
                      embedding_dim=16, cold_dropout=0.5, **options)  # fmt: skip
    trainer = Trainer(
        model, data, Evaluator(NUM_ITEMS, [5]), Tracker(), np.random.default_rng(0),
        epochs=60, batch_size=64, lr=0.02, l2_reg=0.0, patience=None, monitor="val/ndcg@5",
        progress_bar=False,
    )  # fmt: skip
    trainer.fit()
    model.eval()
    return model


@pytest.fixture(scope="module")
def model() -> GraphSAGE:
    return trained_model()


def test_graphsage_scores_unseen_user_by_features(model):
    scores = model.score_users(torch.tensor([UNSEEN_USER_A, UNSEEN_USER_B]))
    assert torch.isfinite(scores).all()
    # The unseen users' scores of the trained items follow their taste.
    assert scores[0, :6].min() > scores[0, 6:12].max()
    assert scores[1, 6:12].min() > scores[1, :6].max()


def test_graphsage_scores_cold_item_by_features(model):
    scores = model.score_users(torch.arange(20))
    taste_a, taste_b = scores[:10], scores[10:20]
    assert (taste_a[:, COLD_ITEM_A] > taste_a[:, COLD_ITEM_B]).all()
    assert (taste_b[:, COLD_ITEM_B] > taste_b[:, COLD_ITEM_A]).all()


def test_graphsage_sampled_training_scores_unseen_user():
    model = trained_model(sampling=True, num_neighbors=[4, 4])
    scores = model.score_users(torch.tensor([UNSEEN_USER_A, UNSEEN_USER_B]))
    assert scores[0, :6].min() > scores[0, 6:12].max()
    assert scores[1, 6:12].min() > scores[1, :6].max()


def test_graphsage_untrained_node_has_no_id_embedding():
    data = taste_data()
    model = GraphSAGE(NUM_USERS, NUM_ITEMS, data.features.user, data.features.item)
    model.fit(data.graph)
    node = torch.tensor([UNSEEN_USER_A, 0])
    embeddings = model.input_embeddings("user", node, model.user_trained)
    features_only = model.encoders["user"](data.features.user[node])
    torch.testing.assert_close(embeddings[0], features_only[0])
    assert not torch.allclose(embeddings[1], features_only[1])


def small_hetero_graph() -> HeteroData:
    # Users 0-3, items 0-4; user 3 rates items 4, 0 and 1.
    edges = torch.tensor([[0, 0, 1, 2, 3, 3, 3], [0, 1, 2, 3, 4, 0, 1]])
    data = HeteroData()
    data["user"].num_nodes, data["item"].num_nodes = 4, 5
    data[RATES].edge_index = edges
    data[RATED_BY].edge_index = edges.flip(0)
    return data


def test_sampler_respects_fanout_and_graph():
    torch.manual_seed(0)
    data = small_hetero_graph()
    batch = sample_pairs(data, UniformNeighborSampler(data, [2, 2]),
                         torch.tensor([0, 3, 0]), torch.tensor([1, 2, 4]))  # fmt: skip
    user_id, item_id = batch["user"].n_id, batch["item"].n_id
    local_user, local_item = batch[RATES].edge_label_index
    assert user_id[local_user].tolist() == [0, 3, 0]
    assert item_id[local_item].tolist() == [1, 2, 4]
    true_edges = set(map(tuple, data[RATES].edge_index.t().tolist()))
    for edge_type in (RATES, RATED_BY):
        source, target = batch[edge_type].edge_index
        source_type, _, target_type = edge_type
        pairs = zip(batch[source_type].n_id[source].tolist(),
                    batch[target_type].n_id[target].tolist(), strict=True)  # fmt: skip
        for source_node, target_node in pairs:
            user_item = (source_node, target_node) if source_type == "user" else (
                target_node, source_node)  # fmt: skip
            assert user_item in true_edges
        # No target receives more than two sampled neighbours per hop (two hops here).
        assert torch.bincount(target).max() <= 2 * 2


def test_sampler_all_neighbours():
    data = small_hetero_graph()
    batch = sample_pairs(data, UniformNeighborSampler(data, [-1]),
                         torch.tensor([3]), torch.tensor([4]))  # fmt: skip
    source, target = batch[RATED_BY].edge_index
    items_of_user_3 = batch["item"].n_id[source[batch["user"].n_id[target] == 3]]
    assert sorted(items_of_user_3.tolist()) == [0, 1, 4]


def test_graphsage_needs_features_when_enabled():
    with pytest.raises(ValueError, match=r"model\.use_features=true, but this data set has no"):
        GraphSAGE(3, 4, None, None, use_features=True)


def test_graphsage_needs_some_input():
    with pytest.raises(ValueError, match=r"without any node input"):
        GraphSAGE(3, 4, None, None, use_features=False, use_id_embedding=False)


def test_graphsage_num_neighbors_per_layer():
    with pytest.raises(ValueError, match=r"model\.num_neighbors=\[10\] needs one entry per layer"):
        GraphSAGE(3, 4, use_features=False, num_layers=2, num_neighbors=[10])


@pytest.mark.parametrize("key", ["dropout", "cold_dropout"])
def test_graphsage_rejects_bad_dropout(key):
    with pytest.raises(ValueError, match=rf"model\.{key} must be in \[0, 1\)"):
        GraphSAGE(3, 4, use_features=False, **{key: 1.0})
