"""Test users and items absent from training: no model fails, users are reported, items stay.

The hand case trains (u1, i1), (u1, i2), (u2, i2), (u2, i3) and tests (u1, i3),
(u1, i4) and (u3, i1), where i4 and u3 never occur in training. Cosine ItemKNN
scores i3 = 0 + 1/√2 and i4 = 0 for u1. So recall@1 = 0.5, recall@2 = 1.0 and
NDCG@2 = 1.0 over the one evaluated user.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from recgnn.data.datamodule import prepare_data
from recgnn.data.split import Split
from recgnn.data.stats import split_statistics
from recgnn.evaluation.evaluator import Evaluator
from recgnn.training.pipeline import train_and_evaluate
from tests.cases.builders import (
    MODEL_VARIANTS,
    build_variant,
    compose_train,
    fit_briefly,
    write_log,
)
from tests.data.configs import compose_data, write_lightgcn
from tests.factories import FixedScores, interactions, prepared

# u1, u2, u3 = 0, 1, 2 and i1..i4 = 0..3.
TRAIN = [(0, 0), (0, 1), (1, 1), (1, 2)]
TEST = [(0, 2), (0, 3), (2, 0)]
ITEMKNN_RUN = ["model=itemknn", "model.k=null", "eval.topk=[1,2]", "trainer.monitor=val/ndcg@2",
               "logger=none"]  # fmt: skip


@pytest.mark.parametrize("variant", MODEL_VARIANTS)
def test_every_model_handles_cold_rows(variant, caplog):
    data = prepared(TRAIN, [], TEST, num_users=3, num_items=4)
    torch.manual_seed(0)
    model = build_variant(variant, data)
    with caplog.at_level(logging.WARNING, logger="recgnn.training.trainer"):
        fit_briefly(model, data, np.random.default_rng(0))
    # Only a model with epochs is affected by the missing validation split.
    assert ("no early stopping" in caplog.text) == model.is_trainable

    model.eval()
    model.prepare_scoring()
    with torch.no_grad():
        scores = model.score_users(torch.arange(3))
    assert scores.shape == (3, 4)
    assert torch.isfinite(scores).all()
    split = data.split
    result = Evaluator(4, [1, 2]).evaluate(model, split.test, [split.train, split.valid])
    assert (result.num_users_evaluated, result.num_users_no_train) == (1, 1)
    # u1's training items are masked, so its two targets (one never trained) fill the top 2.
    assert result.metrics["recall@2"] == 1.0
    assert result.metrics["ndcg@2"] == 1.0


def lightgcn_files_run(root):
    # Raw ids 1, 2, 3 for u1..u3 and 1..4 for i1..i4, in the benchmarks' file format.
    write_lightgcn(root, "yelp2018", {1: [1, 2], 2: [2, 3]}, {1: [3, 4], 3: [1]})
    return ["dataset=yelp2018", f"dataset.root={root}", "split.valid_ratio=0"]


def csv_log_run(root):
    # String ids. The newest three rows form the test part of a global time cut.
    rows = [("u1", "i1", 1), ("u1", "i2", 2), ("u2", "i2", 3), ("u2", "i3", 4),
            ("u1", "i3", 5), ("u1", "i4", 6), ("u3", "i1", 7)]  # fmt: skip
    path = write_log(root / "log.csv", rows, header="user,item,timestamp")
    return ["dataset=file", f"dataset.path={path}", "dataset.timestamp_column=timestamp",
            "split=temporal", "split.ratios=[0.6,0.0,0.4]"]  # fmt: skip


@pytest.mark.parametrize("layout", [lightgcn_files_run, csv_log_run])
def test_itemknn_run_keeps_cold_item_target(tmp_path, layout):
    cfg = compose_train(*layout(tmp_path), *ITEMKNN_RUN)
    metrics = train_and_evaluate(cfg, tmp_path / "run")

    assert metrics["data/num_items"] == 4
    assert metrics["data/test_rows_unseen_user"] == 1
    assert metrics["data/test_rows_unseen_item"] == 1
    assert metrics["test/num_users"] == 1
    assert metrics["test/num_users_no_train"] == 1
    assert metrics["test/recall@1"] == 0.5
    assert metrics["test/recall@2"] == 1.0
    assert metrics["test/ndcg@2"] == 1.0


def raw_cold_rows(folder, fold: int) -> tuple[int, int]:
    """Count test rows whose user / item is absent from the fold's base file, from the files."""
    base = np.loadtxt(folder / f"u{fold}.base", dtype=np.int64, usecols=(0, 1))
    test = np.loadtxt(folder / f"u{fold}.test", dtype=np.int64, usecols=(0, 1))
    unseen_user = ~np.isin(test[:, 0], base[:, 0])
    unseen_item = ~np.isin(test[:, 1], base[:, 1])
    return int(unseen_user.sum()), int(unseen_item.sum())


@pytest.mark.parametrize("fold", [1, 2, 3, 4, 5])
def test_ml100k_folds_count_cold_rows(data_dir, fold):
    cfg = compose_data(f"dataset.root={data_dir}", "split=given", f"split.fold={fold}",
                       "split.valid_ratio=0")  # fmt: skip
    data = prepare_data(cfg)
    stats = data.stats()

    expected_users, expected_items = raw_cold_rows(data_dir / "ml-100k", fold)
    assert (stats["test_rows_unseen_user"], stats["test_rows_unseen_item"]) == (
        expected_users, expected_items,
    )  # fmt: skip
    assert len(data.split.test) == 20_000  # every test row stays, cold or not
    if fold == 1:
        assert (expected_users, expected_items) == (0, 32)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cold_counts_equal_naive_count(seed):
    rng = np.random.default_rng(seed)
    num_users, num_items = 40, 30
    # Users 30-39 and items 22-29 can only occur in test.
    train_pairs = set(zip(rng.integers(0, 30, 150).tolist(), rng.integers(0, 22, 150).tolist(),
                          strict=True))  # fmt: skip
    test_pairs = set(zip(rng.integers(0, 40, 60).tolist(), rng.integers(0, 30, 60).tolist(),
                         strict=True)) - train_pairs  # fmt: skip
    split = Split(*(interactions(sorted(pairs), num_users, num_items)
                    for pairs in (train_pairs, set(), test_pairs)))  # fmt: skip
    scores = rng.random((num_users, num_items)).tolist()

    result = Evaluator(num_items, [5], batch_size=7).evaluate(
        FixedScores(scores), split.test, [split.train, split.valid]
    )
    stats = split_statistics("random", split)

    train_users = {u for u, _ in train_pairs}
    train_items = {i for _, i in train_pairs}
    test_users = {u for u, _ in test_pairs}
    assert result.num_users_no_train == len(test_users - train_users)
    assert sorted(result.user_index.tolist()) == sorted(test_users & train_users)
    assert stats["test_rows_unseen_user"] == sum(u not in train_users for u, _ in test_pairs)
    assert stats["test_rows_unseen_item"] == sum(i not in train_items for _, i in test_pairs)
    assert stats["test_items_unseen"] == len({i for _, i in test_pairs} - train_items)
