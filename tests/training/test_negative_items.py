"""trainer.negative_items: negatives from the whole catalogue or from trained items only."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.data.datamodule import PreparedData
from recgnn.data.split import Split
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models import MF
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer
from tests.models import tiny

# Items 0-3 have training interactions; items 4-9 have none (cold).
PAIRS = [(user, item) for user in range(6) for item in range(4) if (user + item) % 3]


def trainer(negative_items: str) -> Trainer:
    train = tiny.interactions(PAIRS, 6, 10)
    empty = tiny.interactions([], 6, 10)
    data = PreparedData("tiny", Split(train, empty, empty), tiny.graph(PAIRS, 6, 10))
    return Trainer(MF(6, 10, embedding_dim=4), data, Evaluator(10, [3]), Tracker(),
                   np.random.default_rng(0), monitor="val/ndcg@3", progress_bar=False,
                   negative_items=negative_items)  # fmt: skip


def drawn_pairs(trainer: Trainer, epochs: int = 50) -> list[tuple[int, int]]:
    """Return the (user, negative item) of every triple drawn in ``epochs`` epochs."""
    pairs = []
    for _ in range(epochs):
        for users, _, negatives in trainer.epoch_batches():
            pairs += zip(users.tolist(), negatives.tolist(), strict=True)
    return pairs


def test_trained_negatives_skip_cold_items():
    negatives = {item for _, item in drawn_pairs(trainer("trained"))}
    assert negatives <= {0, 1, 2, 3}


def test_trained_negatives_are_never_positives():
    positives = set(PAIRS)
    assert not positives & set(drawn_pairs(trainer("trained")))


def test_all_negatives_include_cold_items():
    negatives = {item for _, item in drawn_pairs(trainer("all"))}
    assert {4, 5, 6, 7, 8, 9} <= negatives


def test_negative_items_rejects_unknown_value():
    with pytest.raises(ValueError, match=r"invalid trainer\.negative_items='cold'"):
        trainer("cold")
