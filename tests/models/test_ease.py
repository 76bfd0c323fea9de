"""EASE against its closed form computed densely, and its size limit."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.models.ease import EASE, ease_memory_bytes
from tests.models import tiny


def brute_force_ease(matrix: np.ndarray, l2: float) -> np.ndarray:
    """Solve min ||X - XB||² + l2 ||B||² with diag(B) = 0 one column at a time.

    Column j is a ridge regression of item j on every other item, which is
    what the diagonal constraint means; no shared inverse is used.
    """
    num_items = matrix.shape[1]
    weights = np.zeros((num_items, num_items))
    for item in range(num_items):
        others = [j for j in range(num_items) if j != item]
        inputs = matrix[:, others]
        gram = inputs.T @ inputs + l2 * np.eye(len(others))
        weights[others, item] = np.linalg.solve(gram, inputs.T @ matrix[:, item])
    return matrix @ weights


@pytest.mark.parametrize("l2", [0.5, 10.0, 500.0])
def test_ease_equals_brute_force(l2):
    pairs = tiny.random_pairs(num_users=30, num_items=12, density=0.3, seed=3)
    model = EASE(30, 12, l2=l2)
    model.fit(tiny.graph(pairs, 30, 12))
    expected = brute_force_ease(tiny.dense_matrix(pairs, 30, 12), l2)
    np.testing.assert_allclose(tiny.all_scores(model, 30), expected, rtol=1e-4, atol=1e-6)


def test_ease_weights_have_zero_diagonal():
    model = EASE(30, 12, l2=1.0)
    model.fit(tiny.graph(tiny.random_pairs(30, 12, 0.3, seed=4), 30, 12))
    assert np.all(np.diag(model.item_weights.numpy()) == 0.0)


def test_ease_unseen_user_and_item():
    # u3 and i4 have no training interaction: their scores are zero, without error.
    model = EASE(3, 4, l2=1.0)
    model.fit(tiny.graph([(0, 0), (0, 1), (1, 1), (1, 2)], 3, 4))
    scores = tiny.all_scores(model, 3)
    assert np.all(scores[2] == 0.0)
    assert np.all(scores[:, 3] == 0.0)


def test_ease_rejects_large_catalogue_with_memory_estimate():
    model = EASE(5, 40000, l2=1.0, max_items=30000)
    # 20 bytes per entry of a 40000 x 40000 matrix: 32e9 bytes, 29.8 GiB.
    assert ease_memory_bytes(40000) == 20 * 40000 * 40000
    with pytest.raises(ValueError, match=r"40000 x 40000 .*29\.8 GiB.*model\.max_items=30000"):
        model.fit(tiny.graph([(0, 0)], 5, 40000))


@pytest.mark.parametrize("l2", [0, -1.0, True])
def test_ease_rejects_bad_l2(l2):
    with pytest.raises(ValueError, match=r"model\.l2 must be a positive number"):
        EASE(3, 4, l2=l2)


def test_ease_rejects_bad_max_items():
    with pytest.raises(ValueError, match=r"model\.max_items must be a positive integer"):
        EASE(3, 4, max_items=0)
