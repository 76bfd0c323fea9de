"""The batched evaluator (in-place masking, top-K per batch, key lookups) against a naive loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from tests.factories import FixedScores, prepared

NUM_USERS, NUM_ITEMS = 30, 25


def random_case(seed: int):
    """Return random distinct scores and random train / valid / test pairs."""
    rng = np.random.default_rng(seed)
    scores = rng.permutation(NUM_USERS * NUM_ITEMS).reshape(NUM_USERS, NUM_ITEMS) / 10.0 - 30.0
    pairs = {name: set() for name in ("train", "valid", "test")}
    for user in range(NUM_USERS):
        items = rng.permutation(NUM_ITEMS)
        num_train, num_valid, num_test = rng.integers(0, 8), rng.integers(0, 3), rng.integers(0, 6)
        pairs["train"] |= {(user, int(i)) for i in items[:num_train]}
        pairs["valid"] |= {(user, int(i)) for i in items[num_train : num_train + num_valid]}
        start = num_train + num_valid
        pairs["test"] |= {(user, int(i)) for i in items[start : start + num_test]}
    return scores, {name: sorted(found) for name, found in pairs.items()}


def naive_metrics(scores: np.ndarray, pairs: dict, k: int) -> dict[str, float]:
    """Compute every metric user by user with Python loops, from the written definitions."""
    per_user = {m: [] for m in ("recall", "precision", "hit", "ndcg", "mrr", "map")}
    recommended = set()
    for user in range(NUM_USERS):
        train = {i for u, i in pairs["train"] if u == user}
        targets = {i for u, i in pairs["test"] if u == user}
        if not targets or not train:
            continue
        seen = train | {i for u, i in pairs["valid"] if u == user}
        ranking = sorted(
            (i for i in range(NUM_ITEMS) if i not in seen), key=lambda i: -scores[user, i]
        )
        top = ranking[:k]
        recommended |= set(top)
        rel = [1.0 if item in targets else 0.0 for item in top]
        ideal = min(k, len(targets))
        dcg = sum(r / math.log2(rank + 2) for rank, r in enumerate(rel))
        idcg = sum(1 / math.log2(rank + 2) for rank in range(ideal))
        first = next((rank + 1 for rank, r in enumerate(rel) if r), None)
        precision_sum = sum(sum(rel[: rank + 1]) / (rank + 1) for rank, r in enumerate(rel) if r)
        per_user["recall"].append(sum(rel) / len(targets))
        per_user["precision"].append(sum(rel) / k)
        per_user["hit"].append(float(sum(rel) > 0))
        per_user["ndcg"].append(dcg / idcg)
        per_user["mrr"].append(0.0 if first is None else 1 / first)
        per_user["map"].append(precision_sum / ideal)
    means = {f"{name}@{k}": float(np.mean(values)) for name, values in per_user.items()}
    means[f"coverage@{k}"] = len(recommended) / NUM_ITEMS
    return means


def evaluate(scores: np.ndarray, pairs: dict, topk: list[int], batch_size: int, model=None):
    data = prepared(pairs["train"], pairs["valid"], pairs["test"], NUM_USERS, NUM_ITEMS)
    evaluator = Evaluator(NUM_ITEMS, topk, batch_size=batch_size)
    model = model if model is not None else FixedScores(scores.tolist())
    return evaluator.evaluate(model, data.split.test, [data.split.train, data.split.valid])


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_batched_metrics_equal_naive_loop(batch_size):
    for seed in range(3):
        scores, pairs = random_case(seed)
        result = evaluate(scores, pairs, [1, 5, 10], batch_size)
        for k in (1, 5, 10):
            for key, expected in naive_metrics(scores, pairs, k).items():
                assert result.metrics[key] == pytest.approx(expected, abs=1e-12), (seed, key)


class RecordingScores(FixedScores):
    """FixedScores that records the shape of every score block it returns."""

    def __init__(self, scores, dtype=torch.float32):
        super().__init__(scores)
        self.scores = self.scores.to(dtype)
        self.block_shapes = []

    def score_users(self, user_index):
        block = super().score_users(user_index)
        self.block_shapes.append(tuple(block.shape))
        return block


def test_score_blocks_never_exceed_batch_size():
    scores, pairs = random_case(seed=5)
    model = RecordingScores(scores.tolist())
    evaluate(scores, pairs, [5], batch_size=4, model=model)
    assert len(model.block_shapes) > 1
    assert all(rows <= 4 and items == NUM_ITEMS for rows, items in model.block_shapes)


def test_float64_scores_give_same_metrics():
    scores, pairs = random_case(seed=6)
    single = evaluate(scores, pairs, [5], batch_size=8)
    double = evaluate(scores, pairs, [5], 8, model=RecordingScores(scores.tolist(), torch.float64))
    assert double.metrics == single.metrics


@pytest.mark.parametrize("bad_value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_score_raises(bad_value):
    scores, pairs = random_case(seed=7)
    # The bad value sits on a training item, which masking would hide: the check comes first.
    user, item = pairs["train"][0]
    scores[user, item] = bad_value
    with pytest.raises(FloatingPointError, match="FixedScores returned NaN or infinite scores"):
        evaluate(scores, pairs, [5], batch_size=8)
