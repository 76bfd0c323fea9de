"""Builders of tiny hand-made data sets for unit tests."""

from __future__ import annotations

import numpy as np
import torch

from recgnn.data.datamodule import PreparedData
from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions
from recgnn.data.split import Split
from recgnn.models.base import Recommender


def interactions(pairs: list[tuple[int, int]], num_users: int, num_items: int) -> Interactions:
    """Return interactions over ``num_users`` x ``num_items`` with the given (user, item) rows."""
    users = np.array([u for u, _ in pairs], dtype=np.int64)
    items = np.array([i for _, i in pairs], dtype=np.int64)
    return Interactions(
        user_index=users,
        item_index=items,
        user_ids=np.arange(num_users),
        item_ids=np.arange(num_items),
    )


def prepared(
    train: list[tuple[int, int]],
    valid: list[tuple[int, int]],
    test: list[tuple[int, int]],
    num_users: int,
    num_items: int,
) -> PreparedData:
    """Return a PreparedData whose graph contains the training pairs."""
    split = Split(
        train=interactions(train, num_users, num_items),
        valid=interactions(valid, num_users, num_items),
        test=interactions(test, num_users, num_items),
    )
    return PreparedData("toy", split, BipartiteGraph.from_interactions(split.train))


def random_prepared(num_users: int, num_items: int, per_user: int, seed: int) -> PreparedData:
    """Return a random data set where each user has ``per_user`` items: 1 valid, 1 test."""
    rng = np.random.default_rng(seed)
    train, valid, test = [], [], []
    for user in range(num_users):
        items = rng.choice(num_items, size=per_user, replace=False)
        train += [(user, int(i)) for i in items[2:]]
        valid.append((user, int(items[0])))
        test.append((user, int(items[1])))
    return prepared(train, valid, test, num_users, num_items)


class FixedScores(Recommender):
    """A fitted model that returns a given users x items score matrix."""

    is_trainable = False

    def __init__(self, scores: list[list[float]]):
        super().__init__()
        self.scores = torch.tensor(scores, dtype=torch.float32)

    def score_users(self, user_index: torch.Tensor) -> torch.Tensor:
        return self.scores[user_index].clone()
