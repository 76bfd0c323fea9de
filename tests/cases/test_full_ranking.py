"""Full-ranking metrics against a naive loop: any |T| versus K, any score sign, dtype or batch.

Covers users with fewer and more test items than K (IDCG over min(K, |T|)
ideal ranks, recall over |T|, means over users), MAP@K, MRR@K and
coverage@K, and masking: seen items get minus infinity (so negative scores
still rank below them), validation items are masked at test time only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recgnn.data.datamodule import prepare_data
from recgnn.evaluation.evaluator import Evaluator
from recgnn.training import pipeline
from tests.cases.builders import compose_train, write_log
from tests.data.configs import compose_data
from tests.factories import FixedScores, prepared

NUM_USERS, NUM_ITEMS = 24, 20


def random_case(seed: int) -> tuple[np.ndarray, dict[str, list]]:
    """Return distinct negative scores and random train / valid / test pairs (|T| from 0 to 9)."""
    rng = np.random.default_rng(seed)
    scores = -1.0 - rng.permutation(NUM_USERS * NUM_ITEMS).reshape(NUM_USERS, NUM_ITEMS) / 64
    pairs = {"train": [], "valid": [], "test": []}
    for user in range(NUM_USERS):
        items = rng.permutation(NUM_ITEMS).tolist()
        sizes = rng.integers(0, 5), rng.integers(0, 3), rng.integers(0, 10)
        start = 0
        for name, size in zip(pairs, sizes, strict=True):
            pairs[name] += [(user, item) for item in items[start : start + size]]
            start += size
    return scores, pairs


def naive_means(scores, pairs, target: str, masked: list[str], k: int) -> dict[str, float]:
    """Every metric from its written definition, one user at a time, plain Python."""
    values = {name: [] for name in ("recall", "precision", "hit", "ndcg", "mrr", "map")}
    shown = set()
    for user in range(NUM_USERS):
        targets = {i for u, i in pairs[target] if u == user}
        if not targets or not any(u == user for u, _ in pairs["train"]):
            continue
        seen = {i for name in masked for u, i in pairs[name] if u == user}
        unseen = [item for item in range(NUM_ITEMS) if item not in seen]
        ranking = sorted(unseen, key=lambda item: -scores[user, item])
        top = ranking[:k]
        shown |= set(top)
        rel = [item in targets for item in top]
        ideal = min(k, len(targets))
        values["recall"].append(sum(rel) / len(targets))
        values["precision"].append(sum(rel) / k)
        values["hit"].append(float(any(rel)))
        values["ndcg"].append(sum(r / math.log2(rank + 2) for rank, r in enumerate(rel))
                              / sum(1 / math.log2(rank + 2) for rank in range(ideal)))  # fmt: skip
        values["mrr"].append(next((1 / (rank + 1) for rank, r in enumerate(rel) if r), 0.0))
        values["map"].append(sum(sum(rel[: r + 1]) / (r + 1) for r in range(len(rel)) if rel[r])
                             / ideal)  # fmt: skip
    means = {f"{name}@{k}": float(np.mean(v)) for name, v in values.items()}
    means[f"coverage@{k}"] = len(shown) / NUM_ITEMS
    return means


class TypedScores(FixedScores):
    """Fixed scores returned in a chosen floating-point dtype."""

    def __init__(self, scores, dtype):
        super().__init__(scores)
        self.scores = torch.tensor(scores, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("batch_size", [1, 2, 5, 1000])
@pytest.mark.parametrize("phase", ["validation", "test"])
def test_metrics_equal_naive_loop(dtype, batch_size, phase):
    if phase == "validation":
        target, masked = "valid", ["train"]
    else:
        target, masked = "test", ["train", "valid"]
    for seed in range(3):
        scores, pairs = random_case(seed)
        data = prepared(pairs["train"], pairs["valid"], pairs["test"], NUM_USERS, NUM_ITEMS)
        parts = {"train": data.split.train, "valid": data.split.valid, "test": data.split.test}
        evaluator = Evaluator(NUM_ITEMS, [1, 3, 10], batch_size=batch_size)
        result = evaluator.evaluate(TypedScores(scores.tolist(), dtype), parts[target],
                                    [parts[name] for name in masked])  # fmt: skip
        for k in (1, 3, 10):
            for key, expected in naive_means(scores, pairs, target, masked, k).items():
                assert result.metrics[key] == pytest.approx(expected, abs=1e-12), (seed, key)


def test_coverage_ignores_masked_items():
    # Of 4 items the user trained on i0 and i1, so only i2 and i3 can be recommended.
    data = prepared([(0, 0), (0, 1)], [], [(0, 2)], num_users=1, num_items=4)
    result = Evaluator(4, [3]).evaluate(FixedScores([[0.4, 0.3, 0.2, 0.1]]), data.split.test,
                                        [data.split.train])  # fmt: skip
    assert result.metrics["recall@3"] == 1.0
    assert result.metrics["coverage@3"] == 2 / 4


def test_masked_target_never_a_hit():
    # i1 is both a training item (masked) and a test target, so only i2 can be a hit.
    data = prepared([(0, 0), (0, 1)], [], [(0, 1), (0, 2)], num_users=1, num_items=4)
    result = Evaluator(4, [3]).evaluate(FixedScores([[0.4, 0.3, 0.2, 0.1]]), data.split.test,
                                        [data.split.train])  # fmt: skip
    assert result.metrics["recall@3"] == 0.5


def masking_log(tmp_path):
    """Write a log that splits by time into train, valid and test per user.

    User u gets train i0, i1, valid i2 and test i3. User v gets train i4, i5,
    valid i0 and test i1.
    """
    rows = [("u", "i0", 1), ("u", "i1", 2), ("u", "i2", 3), ("u", "i3", 4),
            ("v", "i4", 1), ("v", "i5", 2), ("v", "i0", 3), ("v", "i1", 4)]  # fmt: skip
    return write_log(tmp_path / "log.csv", rows, header="user,item,timestamp")


def test_run_masks_seen_items_per_phase(tmp_path, monkeypatch):
    # Negative scores i0 > i1 > ... > i5 for both users: a 0 mask or a wrong seen list misranks.
    scores = [[-0.1, -0.2, -0.3, -0.5, -0.7, -0.9]] * 2
    monkeypatch.setattr(pipeline, "build_model", lambda *args: FixedScores(scores))
    cfg = compose_train(
        "dataset=file", f"dataset.path={masking_log(tmp_path)}",
        "dataset.timestamp_column=timestamp", "split=user_temporal",
        "split.ratios=[0.5,0.25,0.25]",
        "eval.topk=[1,3]", "trainer.monitor=val/ndcg@1", "logger=none",
    )  # fmt: skip
    metrics = pipeline.train_and_evaluate(cfg, tmp_path / "run")

    assert metrics["val/recall@1"] == 1.0
    for name in ("recall", "precision", "hit", "ndcg", "mrr", "map"):
        assert metrics[f"test/{name}@1"] == 1.0, name
    assert metrics["test/num_users"] == 2


def test_gowalla_test_sizes_around_twenty(data_dir):
    cfg = compose_data("dataset=gowalla", f"dataset.root={data_dir}", "split.valid_ratio=0")
    test = prepare_data(cfg).split.test
    sizes = np.bincount(test.user_index)
    sizes = sizes[sizes > 0]
    assert ((sizes < 20).sum(), (sizes > 20).sum()) == (28_205, 1_517)
