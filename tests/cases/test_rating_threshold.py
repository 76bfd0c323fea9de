"""One rating threshold decides both the graph edges and the evaluation targets.

A row is a positive when ``rating >= dataset.min_rating`` (inclusive). Rows
below it are dropped before splitting, so no splitter can put them in the
graph or among the test targets, whatever the split or the source.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from tests.cases.builders import write_log
from tests.data.configs import compose_data, file_dataset, raw_pairs

SPLITS = {
    "random": ["split=random"],
    "temporal": ["split=temporal"],
    "user_temporal": ["split=user_temporal"],
    "leave_one_out": ["split=leave_one_out"],
    "cold_item": ["split=cold_item"],
}


def random_log(tmp_path, seed: int) -> tuple:
    """Write a log of 40 users x 30 items with ratings 1 to 5 in steps of 0.5, and return it."""
    rng = np.random.default_rng(seed)
    keys = rng.choice(40 * 30, size=500, replace=False)
    ratings = rng.integers(2, 11, size=len(keys)) / 2
    pairs = zip(keys.tolist(), ratings.tolist(), strict=True)
    rows = [(f"u{k // 30}", f"i{k % 30}", rating, t) for t, (k, rating) in enumerate(pairs)]
    return write_log(tmp_path / "log.csv", rows), rows


@pytest.mark.parametrize("split", sorted(SPLITS))
@pytest.mark.parametrize("threshold", [4, 3.5, 5])
def test_every_split_keeps_only_positives(tmp_path, caplog, split, threshold):
    path, rows = random_log(tmp_path, seed=len(split))
    positives = {(user, item) for user, item, rating, _ in rows if rating >= threshold}
    cfg = file_dataset(path, "dataset.rating_column=rating", "dataset.timestamp_column=timestamp",
                       f"dataset.min_rating={threshold}", *SPLITS[split])  # fmt: skip
    with caplog.at_level(logging.INFO, logger="recgnn.data.preprocess"):
        data = prepare_data(cfg)
    parts = data.split.train, data.split.valid, data.split.test

    assert all((part.rating >= threshold).all() for part in parts)
    assert set().union(*(raw_pairs(part) for part in parts)) == positives
    assert sum(len(part) for part in parts) == len(positives)
    assert f"min_rating: removed {len(rows) - len(positives)} rows" in caplog.text
    # The graph edges are exactly the training positives.
    train = data.split.train
    graph = data.graph
    edges = set(zip(graph.user_index.tolist(), graph.item_index.tolist(), strict=True))
    assert edges == set(zip(train.user_index.tolist(), train.item_index.tolist(), strict=True))


def test_threshold_inclusive_at_boundary(tmp_path):
    rows = [("a", "x", 4.0, 1), ("a", "y", 3.999, 2), ("b", "x", 4, 3), ("b", "y", 5, 4)]
    path = write_log(tmp_path / "log.csv", rows)
    cfg = file_dataset(path, "dataset.rating_column=rating", "dataset.min_rating=4",
                       "split.ratios=[1.0,0.0,0.0]")  # fmt: skip
    assert raw_pairs(prepare_data(cfg).split.train) == {("a", "x"), ("b", "x"), ("b", "y")}


@pytest.mark.parametrize("fold", ["1", "a"])
def test_ml100k_fold_threshold_both_files(data_dir, fold):
    cfg = compose_data(f"dataset.root={data_dir}", "split=given", f"split.fold={fold}",
                       "dataset.min_rating=4")  # fmt: skip
    split = prepare_data(cfg).split
    folder = data_dir / "ml-100k"

    def positives(file):
        rows = np.loadtxt(folder / file, dtype=np.int64, usecols=(0, 1, 2))
        return set(map(tuple, rows[rows[:, 2] >= 4, :2].tolist()))

    assert raw_pairs(split.test) == positives(f"u{fold}.test")
    assert raw_pairs(split.train) | raw_pairs(split.valid) == positives(f"u{fold}.base")


def test_ml100k_threshold_four_keeps_55375_ratings(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "dataset.min_rating=4", "split=temporal")
    split = prepare_data(cfg).split
    assert len(split.train) + len(split.valid) + len(split.test) == 55_375
