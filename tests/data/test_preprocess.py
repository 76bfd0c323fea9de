"""Preprocessing: rating threshold, duplicate policy, iterative k-core, minimum counts."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.data.interactions import PART_TEST, PART_TRAIN, Interactions
from recgnn.data.preprocess import apply_min_counts, drop_duplicates, keep_k_core
from tests.data.configs import file_dataset, raw_pairs, write_text

THRESHOLD_LOG = "user,item,rating\nu1,i1,5\nu1,i2,2\nu1,i3,4\nu2,i1,1\nu2,i2,5\nu2,i3,3\n"
KEPT = {("u1", "i1"), ("u1", "i3"), ("u2", "i2")}


def table(rows, rating=None, timestamp=None, given_part=None) -> Interactions:
    users, items = zip(*rows, strict=True)
    return Interactions.from_raw(
        np.array(users), np.array(items), rating=rating, timestamp=timestamp,
        given_part=given_part,
    )  # fmt: skip


def test_threshold_rows_are_not_edges(tmp_path, caplog):
    path = write_text(tmp_path / "log.csv", THRESHOLD_LOG)
    cfg = file_dataset(path, "dataset.rating_column=rating", "dataset.min_rating=4",
                       "split.ratios=[1.0,0.0,0.0]")  # fmt: skip
    with caplog.at_level(logging.INFO):
        data = prepare_data(cfg)
    train = data.split.train
    users, items = train.user_ids.tolist(), train.item_ids.tolist()
    dense = data.graph.normalized_adjacency.to_dense()

    assert raw_pairs(train) == KEPT
    assert "min_rating: removed 3 rows" in caplog.text
    assert data.graph.user_degree.tolist() == [2, 1]
    assert data.graph.item_degree.tolist() == [1, 1, 1]
    u1_i1 = dense[users.index("u1"), data.num_users + items.index("i1")].item()
    u2_i2 = dense[users.index("u2"), data.num_users + items.index("i2")].item()
    assert u1_i1 == pytest.approx(1 / math.sqrt(2))
    assert u2_i2 == pytest.approx(1.0)


def test_threshold_rows_are_not_targets(tmp_path):
    path = write_text(tmp_path / "log.csv", THRESHOLD_LOG)
    cfg = file_dataset(path, "dataset.rating_column=rating", "dataset.min_rating=4",
                       "split.ratios=[0.5,0.0,0.5]")  # fmt: skip
    split = prepare_data(cfg).split

    assert raw_pairs(split.test) <= KEPT
    assert raw_pairs(split.train) | raw_pairs(split.test) == KEPT


def test_threshold_without_ratings_rejected(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item\na,b\n")
    with pytest.raises(ValueError, match=r"dataset.min_rating=4 was set, but this data set has"):
        prepare_data(file_dataset(path, "dataset.min_rating=4"))


@pytest.mark.parametrize(
    ("policy", "kept_rating"),
    [("first", 1.0), ("last", 3.0), ("max_rating", 5.0)],
)
def test_duplicate_policies(policy, kept_rating):
    # One pair rated 5 at t=20, then 1 at t=10, then 3 at t=30 (file order differs from time).
    rows = [("a", "x"), ("a", "x"), ("a", "x"), ("b", "x")]
    interactions = table(rows, rating=[5.0, 1.0, 3.0, 2.0], timestamp=[20, 10, 30, 5])
    kept = drop_duplicates(interactions, policy)

    assert len(kept) == 2
    assert kept.rating[kept.user_ids[kept.user_index] == "a"].tolist() == [kept_rating]


@pytest.mark.parametrize("policy", ["first", "last", "max_rating"])
def test_duplicate_ties_independent_of_row_order(policy):
    # Equal timestamps: rating breaks the tie, so the file order never decides.
    rows = [("a", "x")] * 3
    rating, timestamp = np.array([4.0, 2.0, 5.0]), np.array([7, 7, 7])
    forward = drop_duplicates(table(rows, rating, timestamp), policy)
    backward = drop_duplicates(table(rows, rating[::-1], timestamp), policy)
    assert forward.rating.tolist() == backward.rating.tolist()


def test_duplicates_across_given_files_kept(caplog):
    rows = [("a", "x"), ("a", "x"), ("a", "y"), ("a", "y")]
    parts = np.array([PART_TRAIN, PART_TEST, PART_TRAIN, PART_TRAIN], dtype=np.int8)
    with caplog.at_level(logging.WARNING):
        kept = drop_duplicates(table(rows, given_part=parts), "first")

    assert sorted(kept.given_part.tolist()) == [PART_TRAIN, PART_TRAIN, PART_TEST]
    assert "1 (user, item) pairs occur in both the given training and test files" in caplog.text


def test_invalid_duplicate_policy():
    with pytest.raises(ValueError, match=r"invalid dataset.duplicates='newest'; expected one of"):
        drop_duplicates(table([("a", "x")]), "newest")


def test_max_rating_needs_ratings():
    with pytest.raises(ValueError, match=r"duplicates=max_rating needs ratings"):
        drop_duplicates(table([("a", "x")]), "max_rating")


# u3 is below 2 rows; dropping it leaves i2 with one row, dropping that leaves
# u2 with one row: three rounds until the 2-core {u0, u1} x {i0, i1} is stable.
CHAIN = [("u0", "i0"), ("u0", "i1"), ("u1", "i0"), ("u1", "i1"),
         ("u2", "i1"), ("u2", "i2"), ("u3", "i2")]  # fmt: skip


def test_k_core_repeats_until_stable(caplog):
    with caplog.at_level(logging.INFO):
        core = keep_k_core(table(CHAIN), 2, 2)

    assert raw_pairs(core) == {("u0", "i0"), ("u0", "i1"), ("u1", "i0"), ("u1", "i1")}
    assert "stable after 3 rounds" in caplog.text
    assert "k-core: removed 3 rows, 2 users and 1 items" in caplog.text


def test_min_counts_single_pass():
    kept = apply_min_counts(table(CHAIN), 2, 2)
    assert raw_pairs(kept) == set(CHAIN) - {("u3", "i2")}


def test_k_core_item_side_only():
    core = keep_k_core(table(CHAIN), 0, 3)
    assert raw_pairs(core) == {("u0", "i1"), ("u1", "i1"), ("u2", "i1")}


@pytest.mark.parametrize("value", [-1, 2.5, True, "5"])
def test_k_core_rejects_bad_values(value):
    with pytest.raises(ValueError, match=r"invalid dataset.user_core=.*non-negative integer"):
        keep_k_core(table(CHAIN), value, 0)


def test_k_core_through_config(tmp_path):
    text = "user,item\n" + "".join(f"{u},{i}\n" for u, i in CHAIN)
    path = write_text(tmp_path / "log.csv", text)
    cfg = file_dataset(path, "dataset.user_core=2", "dataset.item_core=2",
                       "split.ratios=[1.0,0.0,0.0]")  # fmt: skip
    data = prepare_data(cfg)

    assert (data.num_users, data.num_items) == (2, 2)
    assert sorted(data.split.train.user_ids.tolist()) == ["u0", "u1"]


@pytest.mark.parametrize(
    ("overrides", "settings"),
    [
        (["dataset.rating_column=rating", "dataset.min_rating=6"], r"dataset.min_rating=6"),
        (["dataset.user_core=10"], r"dataset.user_core=10 and dataset.item_core=0"),
        (["dataset.min_item_interactions=3"],
         r"dataset.min_user_interactions=0 and dataset.min_item_interactions=3"),
    ],
)  # fmt: skip
def test_step_removing_every_row_named(tmp_path, overrides, settings):
    path = write_text(tmp_path / "log.csv", THRESHOLD_LOG)
    with pytest.raises(
        ValueError,
        match=rf"preprocessing with {settings} removed every row of file, so nothing is left",
    ):
        prepare_data(file_dataset(path, *overrides))
