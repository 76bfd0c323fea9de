"""Cosine kNN on GroupLens' ML-100K fold 1 against an independent dense implementation.

The reference reads ``u1.base`` and ``u1.test`` itself, computes the cosine
definitions with dense NumPy arrays and a loop over users, and ranks with a
stable sort. Only users whose top-20 list is ambiguous (two equal scores among
the first 21) may differ from recgnn's run through ``train_and_evaluate``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.training.pipeline import train_and_evaluate

K = 20


def read_fold(path: Path) -> np.ndarray:
    """Return the (user, item) raw ids of a tab-separated GroupLens file."""
    return np.loadtxt(path, dtype=np.int64, usecols=(0, 1))


def reference_scores(train: np.ndarray, model: str, k: int | None) -> np.ndarray:
    """Scores by the cosine kNN definitions, dense, users and items indexed by raw id - 1."""
    matrix = np.zeros((943, 1682))
    matrix[train[:, 0] - 1, train[:, 1] - 1] = 1.0
    vectors = matrix if model == "userknn" else matrix.T
    norms = np.sqrt(vectors.sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.nan_to_num(vectors @ vectors.T / np.outer(norms, norms))
    np.fill_diagonal(similarity, 0.0)
    if k is not None:
        for row in range(len(similarity)):
            # Most similar first; the lower index wins a tie.
            order = np.lexsort((np.arange(len(similarity)), -np.round(similarity[row], 12)))
            similarity[row, order[k:]] = 0.0
    if model == "userknn":
        return similarity @ matrix  # Σ_v sim(u, v) r_vi
    return matrix @ similarity.T  # Σ_j r_uj sim(i, j), j among i's neighbours


def reference_metrics(scores: np.ndarray, train: np.ndarray, test: np.ndarray) -> dict:
    """Return recall@K and NDCG@K per user (raw id), and whether its top-K list is ambiguous."""
    scores = scores.copy()
    scores[train[:, 0] - 1, train[:, 1] - 1] = -np.inf
    targets: dict[int, set] = {}
    for user, item in test:
        targets.setdefault(int(user), set()).add(int(item) - 1)
    results = {}
    for user, items in targets.items():
        ranking = np.argsort(-scores[user - 1], kind="stable")
        top = ranking[:K]
        hits = [1.0 if item in items else 0.0 for item in top]
        dcg = sum(hit / math.log2(rank + 2) for rank, hit in enumerate(hits))
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, len(items))))
        # Two equal scores among the first K + 1 make the list or its order a tie-break.
        head = np.sort(scores[user - 1, ranking[: K + 1]])
        results[user] = {
            "recall@20": sum(hits) / len(items),
            "ndcg@20": dcg / ideal,
            "ambiguous": bool(np.any(np.isclose(head[1:], head[:-1], rtol=1e-6, atol=0))),
        }
    return results


def recgnn_per_user(run_dir: Path) -> dict[int, dict[str, float]]:
    with open(run_dir / "per_user_test.csv") as handle:
        rows = list(csv.DictReader(handle))
    # Contiguous index = raw id - 1: ML-100K's ids are 1..943 and 1..1682, sorted.
    return {int(row["user_index"]) + 1: {key: float(row[key]) for key in ("recall@20", "ndcg@20")}
            for row in rows}  # fmt: skip


@pytest.mark.parametrize(
    ("model", "k"), [("userknn", None), ("userknn", 50), ("itemknn", None), ("itemknn", 100)]
)
def test_knn_fold1_equals_reference(model, k, data_dir, tmp_path):
    register_resolvers()
    overrides = [
        f"model={model}",
        f"model.k={'null' if k is None else k}",
        "dataset=ml-100k",
        "split=given",
        "split.fold=1",
        "split.valid_ratio=0",
        "dataset.cache=false",
        f"dataset.root={data_dir}",
        "logger=none",
        "trainer.progress_bar=false",
    ]
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    metrics = train_and_evaluate(cfg, tmp_path)
    ours = recgnn_per_user(tmp_path)

    folder = data_dir / "ml-100k"
    train, test = read_fold(folder / "u1.base"), read_fold(folder / "u1.test")
    reference = reference_metrics(reference_scores(train, model, k), train, test)

    assert sorted(ours) == sorted(reference)  # the same 459 test users are evaluated
    ambiguous = [user for user, values in reference.items() if values["ambiguous"]]
    assert len(ambiguous) <= 0.02 * len(reference)
    for user, values in reference.items():
        if user in ambiguous:
            continue
        assert ours[user]["recall@20"] == pytest.approx(values["recall@20"], abs=1e-5), user
        assert ours[user]["ndcg@20"] == pytest.approx(values["ndcg@20"], abs=1e-5), user
    clear = [user for user in reference if user not in ambiguous]
    expected_recall = np.mean([reference[user]["recall@20"] for user in clear])
    assert np.mean([ours[user]["recall@20"] for user in clear]) == pytest.approx(expected_recall)
    assert metrics["test/num_users"] == len(reference)
