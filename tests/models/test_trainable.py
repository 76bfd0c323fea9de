"""Every trainable model, trained by the real trainer, memorizes a tiny graph.

GraphSAGE runs without cold dropout here: it is a regularizer that hides half
of the ids in every step, and this test checks the capacity to fit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recgnn.data.datamodule import PreparedData
from recgnn.data.features import NodeFeatures
from recgnn.data.split import Split
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models import MF, NGCF, GraphSAGE, LightGCN
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer
from tests.models import tiny

# Tiny graphs train faster on one thread (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")

NUM_USERS, NUM_ITEMS, ITEMS_PER_USER = 10, 16, 3


def tiny_data() -> PreparedData:
    """Each user has 3 distinct random items; nothing is held out."""
    rng = np.random.default_rng(0)
    pairs = [(user, int(item)) for user in range(NUM_USERS)
             for item in rng.choice(NUM_ITEMS, ITEMS_PER_USER, replace=False)]  # fmt: skip
    train = tiny.interactions(pairs, NUM_USERS, NUM_ITEMS)
    empty = tiny.interactions([], NUM_USERS, NUM_ITEMS)
    generator = torch.Generator().manual_seed(0)
    features = NodeFeatures(
        user=torch.rand(NUM_USERS, 4, generator=generator),
        item=torch.rand(NUM_ITEMS, 5, generator=generator),
        user_columns=[f"u{i}" for i in range(4)],
        item_columns=[f"i{i}" for i in range(5)],
    )
    graph = tiny.graph(pairs, NUM_USERS, NUM_ITEMS)
    return PreparedData("tiny", Split(train, empty, empty), graph, features)


def training_recall(model, data: PreparedData) -> float:
    """Share of each user's training items among its top-3 scores, averaged over users."""
    model.eval()
    model.prepare_scoring()
    with torch.no_grad():
        top = torch.topk(model.score_users(torch.arange(NUM_USERS)), ITEMS_PER_USER).indices
    train = data.split.train
    recalls = [
        len(set(top[user].tolist()) & set(train.item_index[train.user_index == user].tolist()))
        / ITEMS_PER_USER
        for user in range(NUM_USERS)
    ]
    return float(np.mean(recalls))


MODELS = {
    "lightgcn": lambda data: LightGCN(NUM_USERS, NUM_ITEMS, embedding_dim=16, num_layers=2),
    "mf": lambda data: MF(NUM_USERS, NUM_ITEMS, embedding_dim=16),
    "ngcf": lambda data: NGCF(NUM_USERS, NUM_ITEMS, embedding_dim=16, layer_dims=[16, 16]),
    "graphsage": lambda data: GraphSAGE(
        NUM_USERS,
        NUM_ITEMS,
        data.features.user,
        data.features.item,
        embedding_dim=16,
        cold_dropout=0.0,
    ),
    "graphsage_sampled": lambda data: GraphSAGE(
        NUM_USERS,
        NUM_ITEMS,
        data.features.user,
        data.features.item,
        embedding_dim=16,
        cold_dropout=0.0,
        sampling=True,
        num_neighbors=[4, 4],
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_training_recall_reaches_one(name):
    torch.manual_seed(0)
    data = tiny_data()
    model = MODELS[name](data)
    trainer = Trainer(
        model, data, Evaluator(NUM_ITEMS, [ITEMS_PER_USER]), Tracker(), np.random.default_rng(0),
        epochs=150, batch_size=64, lr=0.02, l2_reg=0.0, patience=None, monitor="val/ndcg@3",
        progress_bar=False,
    )  # fmt: skip
    trainer.fit()
    assert training_recall(model, data) >= 0.95
