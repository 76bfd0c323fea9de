"""Metric values against hand-computed cases and a naive per-user loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from recgnn.evaluation.metrics import per_user_metrics
from tests.factories import FixedScores, prepared

# Items of the K = 3 case: a..g are targets, x, y, z are not.
A, B, C, D, E, F, G, X, Y, Z = range(10)


def ranked_scores(order: list[int], num_items: int = 10) -> list[float]:
    """Return scores that rank ``order`` first, in that order, and every other item lower."""
    scores = [-100.0 - item for item in range(num_items)]
    for rank, item in enumerate(order):
        scores[item] = 10.0 - rank
    return scores


def evaluate(scores, train, test, num_items=10, topk=(3,), batch_size=1024, valid=()):
    data = prepared(train, list(valid), test, len(scores), num_items)
    evaluator = Evaluator(num_items, list(topk), batch_size=batch_size)
    split = data.split
    return evaluator.evaluate(FixedScores(scores), split.test, [split.train, split.valid])


def fewer_and_more_than_k(batch_size: int = 1024):
    # User 0: T = {a, b}, top-3 [a, x, y]. User 1: T = {c, d, e, f, g}, top-3 [c, d, z].
    # Each user trains on one item outside its top 3, so every user is evaluated.
    scores = [ranked_scores([A, X, Y]), ranked_scores([C, D, Z])]
    train = [(0, Z), (1, X)]
    test = [(0, A), (0, B)] + [(1, i) for i in (C, D, E, F, G)]
    return evaluate(scores, train, test, batch_size=batch_size)


def test_fewer_and_more_test_items_than_k():
    result = fewer_and_more_than_k()
    metrics = result.metrics
    ndcg_a = 1 / (1 + 1 / math.log2(3))
    ndcg_b = (1 + 1 / math.log2(3)) / (1 + 1 / math.log2(3) + 1 / math.log2(4))
    assert metrics["recall@3"] == pytest.approx((1 / 2 + 2 / 5) / 2)
    assert metrics["precision@3"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert metrics["ndcg@3"] == pytest.approx((ndcg_a + ndcg_b) / 2)
    assert metrics["ndcg@3"] == pytest.approx(0.68925, abs=5e-6)
    assert metrics["hit@3"] == 1.0
    assert metrics["mrr@3"] == 1.0


def test_per_user_values_of_k_case():
    per_user = fewer_and_more_than_k().per_user
    np.testing.assert_allclose(per_user["recall@3"], [0.5, 0.4])
    np.testing.assert_allclose(per_user["ndcg@3"], [0.61315, 0.76536], atol=5e-6)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_metrics_independent_of_batch_size(batch_size):
    reference = fewer_and_more_than_k().metrics
    assert fewer_and_more_than_k(batch_size).metrics == pytest.approx(reference)


def test_map_mrr_and_coverage():
    # 10 items; A: T = {a..e}, top-3 [a, x, b]; B: T = {f}, top-3 [y, f, z]; C: T = {g}, [x, y, z].
    scores = [ranked_scores([A, X, B]), ranked_scores([Y, F, Z]), ranked_scores([X, Y, Z])]
    # Each user trains on one item outside its top 3, so every user is evaluated.
    train = [(0, Y), (1, G), (2, F)]
    test = [(0, i) for i in (A, B, C, D, E)] + [(1, F), (2, G)]
    metrics = evaluate(scores, train, test, topk=(1, 3)).metrics
    assert metrics["map@3"] == pytest.approx(((1 + 2 / 3) / 3 + 0.5 + 0) / 3)
    assert metrics["map@3"] == pytest.approx(0.35185, abs=5e-6)
    assert metrics["mrr@3"] == pytest.approx(0.5)
    assert metrics["coverage@3"] == pytest.approx(0.6)
    assert metrics["coverage@1"] == pytest.approx(0.3)


def seen_items_case(batch_size: int = 1024):
    # Items i0..i5; train {i0, i1}, valid {i2}, test {i3}; every score negative.
    scores = [[-0.1, -0.2, -0.3, -0.5, -0.7, -0.9]]
    data = prepared([(0, 0), (0, 1)], [(0, 2)], [(0, 3)], 1, 6)
    evaluator = Evaluator(6, [1, 3], batch_size=batch_size)
    split = data.split
    test = evaluator.evaluate(FixedScores(scores), split.test, [split.train, split.valid])
    valid = evaluator.evaluate(FixedScores(scores), split.valid, [split.train])
    return test.metrics, valid.metrics


@pytest.mark.parametrize("batch_size", [1, 2, 10])
def test_seen_items_masked_with_minus_infinity(batch_size):
    test, valid = seen_items_case(batch_size)
    for name in ("recall", "precision", "hit", "ndcg", "mrr", "map"):
        assert test[f"{name}@1"] == 1.0, name
    assert valid["recall@1"] == 1.0


def test_users_without_training_rows_are_counted_not_averaged():
    scores = [ranked_scores([A]), ranked_scores([A])]
    result = evaluate(scores, [(0, 9)], [(0, A), (1, A)], topk=(1,))
    assert result.num_users_evaluated == 1
    assert result.num_users_no_train == 1
    assert result.metrics["recall@1"] == 1.0


def naive_metrics(ranking: list[int], targets: set[int], k: int) -> dict[str, float]:
    """Compute every metric for one user with plain Python, straight from the definitions."""
    top = ranking[:k]
    rel = [1.0 if item in targets else 0.0 for item in top]
    hits = sum(rel)
    dcg = sum(r / math.log2(rank + 2) for rank, r in enumerate(rel))
    idcg = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(targets))))
    first = next((rank + 1 for rank, r in enumerate(rel) if r), None)
    ap = sum(sum(rel[: r + 1]) / (r + 1) * rel[r] for r in range(len(rel)))
    return {
        "recall": hits / len(targets),
        "precision": hits / k,
        "hit": float(hits > 0),
        "ndcg": dcg / idcg,
        "mrr": 0.0 if first is None else 1 / first,
        "map": ap / min(k, len(targets)),
    }


def test_vectorised_metrics_match_naive_loop():
    rng = np.random.default_rng(0)
    num_users, num_items, k = 40, 30, 7
    rankings = [list(rng.permutation(num_items)) for _ in range(num_users)]
    targets = [set(rng.choice(num_items, size=rng.integers(1, 12), replace=False).tolist())
               for _ in range(num_users)]  # fmt: skip
    pairs = zip(rankings, targets, strict=True)
    hits = torch.tensor([[item in t for item in r[:k]] for r, t in pairs])
    sizes = torch.tensor([len(t) for t in targets])
    fast = per_user_metrics(hits, sizes, k)
    for user in range(num_users):
        slow = naive_metrics(rankings[user], targets[user], k)
        for name, value in slow.items():
            assert fast[name][user].item() == pytest.approx(value), (name, user)


def test_k_larger_than_catalogue():
    hits = torch.tensor([[True, False]])
    metrics = per_user_metrics(hits, torch.tensor([1]), 5)
    assert metrics["precision"].item() == pytest.approx(1 / 5)
    assert metrics["recall"].item() == 1.0


def test_invalid_topk_rejected():
    with pytest.raises(ValueError, match="eval.topk"):
        Evaluator(10, [0, 5])
