"""Negative sampler: never a training positive, uniform over the complement, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.data.sampler import NegativeSampler

# 4 items. Train u0 {i0, i1, i2}; u1 {i0}; u2 {i0, i1, i2, i3}. u1's test item i2 is unknown
# to the sampler, so it may be drawn.
TRAIN = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1), (2, 2), (2, 3)]


def toy_sampler() -> NegativeSampler:
    users, items = np.array(TRAIN).T
    return NegativeSampler(users, items, num_users=3, num_items=4)


def random_sampler(seed: int = 0) -> tuple[NegativeSampler, np.ndarray, np.ndarray]:
    """Return a sampler over 300 users x 50 items with 1..45 positives per user."""
    rng = np.random.default_rng(seed)
    users, items = [], []
    for user in range(300):
        chosen = rng.choice(50, size=rng.integers(1, 46), replace=False)
        users += [user] * len(chosen)
        items += chosen.tolist()
    users, items = np.array(users), np.array(items)
    return NegativeSampler(users, items, num_users=300, num_items=50), users, items


def test_only_negative_of_user_is_always_drawn():
    draws = toy_sampler().sample(np.zeros(1000, dtype=np.int64), np.random.default_rng(0))
    assert set(draws.tolist()) == {3}


def test_draws_are_uniform_over_complement():
    draws = toy_sampler().sample(np.ones(30_000, dtype=np.int64), np.random.default_rng(1))
    assert set(draws.tolist()) == {1, 2, 3}
    frequencies = np.bincount(draws, minlength=4)[1:] / len(draws)
    # Three standard deviations of a frequency of 1/3 over 30,000 draws: 0.00816.
    assert np.all(np.abs(frequencies - 1 / 3) < 0.00816)


def test_user_without_negative_raises_naming_user():
    with pytest.raises(ValueError, match="user index 2 has a training interaction with all 4"):
        toy_sampler().sample(np.array([0, 2]), np.random.default_rng(0))


def test_never_returns_training_positive():
    sampler, users, items = random_sampler()
    positives = set(zip(users.tolist(), items.tolist(), strict=True))
    requests = np.repeat(np.arange(300), 200)
    draws = sampler.sample(requests, np.random.default_rng(2))
    assert not any(
        pair in positives for pair in zip(requests.tolist(), draws.tolist(), strict=True)
    )
    assert draws.min() >= 0
    assert draws.max() < 50


def test_vectorised_lookup_equals_set_lookup():
    sampler, users, items = random_sampler()
    positives = set(zip(users.tolist(), items.tolist(), strict=True))
    all_users, all_items = np.divmod(np.arange(300 * 50), 50)
    expected = [
        (u, i) in positives for u, i in zip(all_users.tolist(), all_items.tolist(), strict=True)
    ]
    assert sampler.is_positive(all_users, all_items).tolist() == expected


def test_nearly_saturated_user_resolved_exactly():
    # u0 trained on 999 of 1000 items: bulk rejection rarely hits i999, the exact draw does.
    users, items = np.zeros(999, dtype=np.int64), np.arange(999)
    sampler = NegativeSampler(users, items, num_users=1, num_items=1000)
    draws = sampler.sample(np.zeros(50, dtype=np.int64), np.random.default_rng(3))
    assert draws.tolist() == [999] * 50


def test_same_seed_same_draws():
    sampler, *_ = random_sampler()
    requests = np.repeat(np.arange(300), 10)
    first = sampler.sample(requests, np.random.default_rng(7))
    second = sampler.sample(requests, np.random.default_rng(7))
    other = sampler.sample(requests, np.random.default_rng(8))
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_empty_request_returns_empty():
    draws = toy_sampler().sample(np.zeros(0, dtype=np.int64), np.random.default_rng(0))
    assert draws.shape == (0,)
