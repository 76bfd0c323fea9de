"""Negatives are uniform over the items a user never trained on, and never loop forever.

The hand case has 4 items, with train u0 {i0, i1, i2}, u1 {i0}, u2 {i0, i1,
i2, i3} and u1's test item i2. u0's only negative is i3. u1 draws i1, i2 and
i3 alike, because the sampler must not know test positives. u2 has no
negative at all.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from recgnn.data.sampler import NegativeSampler
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.mf import MF
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer
from tests.factories import prepared

HAND_TRAIN = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1), (2, 2), (2, 3)]


def epoch_triples(trainer: Trainer, epochs: int) -> np.ndarray:
    """Return the (user, positive, negative) rows of several epochs of ``trainer``."""
    batches = [torch.stack(batch, 1) for _ in range(epochs) for batch in trainer.epoch_batches()]
    return torch.cat(batches).numpy()


def make_trainer(data, negative_items="all", seed=0) -> Trainer:
    model = MF(data.num_users, data.num_items, embedding_dim=4)
    return Trainer(model, data, Evaluator(data.num_items, [2]), Tracker(),
                   np.random.default_rng(seed), epochs=1, batch_size=3, monitor="val/ndcg@2",
                   progress_bar=False, negative_items=negative_items)  # fmt: skip


def assert_uniform(draws: np.ndarray, allowed: list[int]) -> None:
    """Each allowed item's frequency is within 4 standard deviations of 1/len(allowed)."""
    assert set(draws.tolist()) <= set(allowed)
    share = 1 / len(allowed)
    tolerance = 4 * np.sqrt(share * (1 - share) / len(draws))
    frequencies = np.array([(draws == item).mean() for item in allowed])
    assert np.all(np.abs(frequencies - share) <= tolerance), frequencies


def test_trainer_negatives_hand_case(caplog):
    data = prepared(HAND_TRAIN, [], [(1, 2)], num_users=3, num_items=4)
    with caplog.at_level(logging.WARNING, logger="recgnn.training.trainer"):
        trainer = make_trainer(data)
    assert "interacted with every item" in caplog.text
    assert "user index 2" in caplog.text

    triples = epoch_triples(trainer, epochs=7500)  # u1 has one row: 7,500 draws
    users, negatives = triples[:, 0], triples[:, 2]
    assert 2 not in users
    assert set(negatives[users == 0].tolist()) == {3}
    assert_uniform(negatives[users == 1], [1, 2, 3])


@pytest.mark.parametrize("num_open", [1, 2, 5])
def test_nearly_saturated_user_uniform_draws(num_open):
    # 2,000 items with all but num_open trained: bulk rejection almost never succeeds.
    rng = np.random.default_rng(num_open)
    num_items = 2000
    open_items = np.sort(rng.choice(num_items, size=num_open, replace=False))
    trained = np.setdiff1d(np.arange(num_items), open_items)
    sampler = NegativeSampler(np.zeros(len(trained), dtype=np.int64), trained, 1, num_items)

    draws = sampler.sample(np.zeros(3000, dtype=np.int64), rng)
    assert_uniform(draws, open_items.tolist())


@pytest.mark.parametrize("seed", [0, 1])
def test_draws_uniform_over_complement(seed):
    """Every user's draws stay in its complement and cover it evenly, at any density."""
    rng = np.random.default_rng(seed)
    num_users, num_items = 12, 25
    degree = rng.integers(1, num_items, size=num_users)  # 1 to 24 trained items
    pairs = [(u, int(i)) for u in range(num_users)
             for i in rng.choice(num_items, size=degree[u], replace=False)]  # fmt: skip
    users, items = np.array(pairs).T
    sampler = NegativeSampler(users, items, num_users, num_items)

    requests = np.repeat(np.arange(num_users), 2000)
    draws = sampler.sample(requests, np.random.default_rng(seed + 10))
    for user in range(num_users):
        complement = sorted(set(range(num_items)) - set(items[users == user].tolist()))
        assert_uniform(draws[requests == user], complement)


def test_trained_pool_excludes_cold_items():
    # Items 4 and 5 have no training row: with negative_items=trained they are never drawn.
    train = [(0, 0), (0, 1), (1, 0), (1, 2), (1, 3), (2, 3)]
    data = prepared(train, [], [(0, 4), (2, 5)], num_users=3, num_items=6)
    triples = epoch_triples(make_trainer(data, negative_items="trained"), epochs=3000)

    positives = set(train)
    assert not any((u, n) in positives for u, _, n in triples.tolist())
    assert set(triples[:, 2].tolist()) <= {0, 1, 2, 3}
    assert_uniform(triples[triples[:, 0] == 0, 2], [2, 3])
    assert_uniform(triples[triples[:, 0] == 2, 2], [0, 1, 2])


def test_trained_pool_skips_saturated_user(caplog):
    # User 1 trained on items 0 and 1, the whole pool once item 2 has no training row.
    data = prepared([(0, 0), (1, 0), (1, 1)], [], [(0, 2)], num_users=2, num_items=3)
    with caplog.at_level(logging.WARNING, logger="recgnn.training.trainer"):
        trainer = make_trainer(data, negative_items="trained")
    assert "user index 1" in caplog.text
    triples = epoch_triples(trainer, epochs=20)
    assert set(triples[:, 0].tolist()) == {0}
    assert set(triples[:, 2].tolist()) == {1}
