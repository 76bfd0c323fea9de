"""Splits: random, given, temporal, per-user temporal and leave-one-out, on hand-made logs."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.data.interactions import PART_TEST, PART_TRAIN, Interactions
from recgnn.data.split import given_split, random_split
from recgnn.data.temporal_split import leave_one_out_split, temporal_split, user_temporal_split
from tests.data.configs import file_dataset, raw_pairs, write_text

# User a: y at t=1, w at 3, then x and z both at 5 (the tie goes by item id: x, z).
# User b: two rows; user c: one row.
TIMED_ROWS = [("a", "x", 5), ("a", "y", 1), ("a", "z", 5), ("a", "w", 3),
              ("b", "x", 2), ("b", "y", 9), ("c", "z", 4)]  # fmt: skip


def timed_table(rows=TIMED_ROWS) -> Interactions:
    users, items, times = zip(*rows, strict=True)
    return Interactions.from_raw(np.array(users), np.array(items), timestamp=np.array(times))


def all_pairs(split) -> list[set]:
    return [raw_pairs(split.train), raw_pairs(split.valid), raw_pairs(split.test)]


def test_random_split_partitions_rows():
    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 30, 600), rng.integers(0, 50, 600)
    keys = np.unique(users * 50 + items)
    interactions = Interactions.from_raw(keys // 50, keys % 50)
    split = random_split(interactions, [0.8, 0.1, 0.1], seed=1)
    train, valid, test = all_pairs(split)

    assert len(split.train) + len(split.valid) + len(split.test) == len(keys)
    assert train | valid | test == raw_pairs(interactions)
    assert not (train & valid or train & test or valid & test)
    assert np.bincount(split.train.user_index).min() >= 1


def test_user_temporal_latest_rows_held_out():
    split = user_temporal_split(timed_table(), [0.5, 0.25, 0.25])
    train, valid, test = all_pairs(split)

    assert {p for p in test if p[0] == "a"} == {("a", "z")}
    assert {p for p in valid if p[0] == "a"} == {("a", "x")}
    # b: round(2 * 0.25) = 1 test row, then nothing left for validation.
    assert ("b", "y") in test
    assert ("b", "x") in train
    assert ("c", "z") in train


def test_leave_one_out_by_time():
    split = leave_one_out_split(timed_table(), "time", with_valid=True, seed=None)
    train, valid, test = all_pairs(split)

    assert test == {("a", "z"), ("b", "y")}
    assert valid == {("a", "x")}
    assert train == {("a", "y"), ("a", "w"), ("b", "x"), ("c", "z")}


def test_leave_one_out_random_one_per_user():
    split = leave_one_out_split(timed_table(), "random", with_valid=False, seed=3)
    assert len(split.valid) == 0
    assert sorted(split.test.user_ids[split.test.user_index].tolist()) == ["a", "b"]


def test_leave_one_out_rejects_bad_order():
    with pytest.raises(ValueError, match=r"invalid split.order='newest'; expected one of"):
        leave_one_out_split(timed_table(), "newest", with_valid=True, seed=1)


def test_temporal_cut_never_splits_a_timestamp():
    # Ten rows; the rows at t=7 straddle the 80 % mark and all go to validation.
    times = [1, 2, 3, 4, 5, 6, 7, 7, 7, 8]
    rows = [(f"u{k % 3}", f"i{k}", t) for k, t in enumerate(times)]
    split = temporal_split(timed_table(rows), [0.6, 0.2, 0.2])

    assert sorted(split.train.timestamp.tolist()) == [1, 2, 3, 4, 5, 6]
    assert sorted(split.valid.timestamp.tolist()) == [7, 7, 7]
    assert split.test.timestamp.tolist() == [8]


def test_temporal_tie_goes_to_earlier_part():
    times = [1, 1, 1, 1, 2, 3]
    rows = [(f"u{k}", "i", t) for k, t in enumerate(times)]
    split = temporal_split(timed_table(rows), [0.5, 0.0, 0.5])

    assert sorted(split.train.timestamp.tolist()) == [1, 1, 1, 1]
    assert sorted(split.test.timestamp.tolist()) == [2, 3]


def test_temporal_empty_test_rejected():
    rows = [(f"u{k}", "i", 5) for k in range(4)]
    with pytest.raises(ValueError, match=r"leaves the test part empty.*only 1 distinct"):
        temporal_split(timed_table(rows), [0.8, 0.1, 0.1])


@pytest.mark.parametrize("split_fn", [
    lambda t: temporal_split(t, [0.8, 0.1, 0.1]),
    lambda t: user_temporal_split(t, [0.8, 0.1, 0.1]),
    lambda t: leave_one_out_split(t, "time", True, None),
])  # fmt: skip
def test_time_splits_need_timestamps(split_fn):
    untimed = Interactions.from_raw(np.array(["a", "b"]), np.array(["x", "y"]))
    with pytest.raises(ValueError, match=r"has no timestamps; choose split=random"):
        split_fn(untimed)


def test_given_split_needs_given_files():
    with pytest.raises(ValueError, match=r"split=given needs a data set with its own train/test"):
        given_split(timed_table(), 0.1, seed=1)


@pytest.mark.parametrize("ratio", [1.0, -0.1, "0.1"])
def test_given_split_rejects_bad_valid_ratio(ratio):
    parts = np.array([PART_TRAIN] * 6 + [PART_TEST], dtype=np.int8)
    table = timed_table()
    table.given_part = parts
    with pytest.raises(ValueError, match=r"invalid split.valid_ratio=.*in \[0, 1\)"):
        given_split(table, ratio, seed=1)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("split.ratios=[0.5,0.2,0.2]", r"must sum to 1 \(they sum to 0.9\)"),
        ("split.ratios=[0.8,0.2]", r"expected three numbers \[train, valid, test\]"),
        ("split.name=bogus", r"unknown split.name='bogus'; available: \[.*'leave_one_out'"),
        ("dataset.name=bogus", r"unknown dataset.name='bogus'; available: \[.*'gowalla'"),
        # A null seed once gave a different random split on every run.
        ("split.seed=null", r"invalid split.seed=None for split=random: expected an integer"),
        ("split.seed=abc", r"invalid split.seed='abc' for split=random: expected an integer"),
        ("split.seed=1.5", r"invalid split.seed=1.5 for split=random"),
    ],
)
def test_bad_settings_rejected(tmp_path, override, message):
    path = write_text(tmp_path / "log.csv", "user,item\na,x\na,y\n")
    with pytest.raises(ValueError, match=message):
        prepare_data(file_dataset(path, override))


SPLIT_SETTINGS = [
    ["split=random"],
    ["split=temporal"],
    ["split=user_temporal"],
    ["split=leave_one_out"],
    ["split=leave_one_out", "split.order=random"],
]


def random_log(seed: int) -> list[tuple[str, str, int]]:
    # Few distinct timestamps, so many rows tie in time.
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, 40, 900), rng.integers(0, 60, 900)
    pairs = sorted({(f"u{u}", f"i{i}") for u, i in zip(users, items, strict=True)})
    times = rng.integers(0, 12, len(pairs))
    return [(u, i, int(t)) for (u, i), t in zip(pairs, times, strict=True)]


@pytest.mark.parametrize("settings", SPLIT_SETTINGS, ids=lambda s: " ".join(s))
def test_shuffled_input_gives_same_split(tmp_path, settings):
    rows = random_log(seed=5)
    shuffled = [rows[k] for k in np.random.default_rng(9).permutation(len(rows))]
    results = []
    for name, ordered in (("sorted.csv", rows), ("shuffled.csv", shuffled)):
        text = "user,item,t\n" + "".join(f"{u},{i},{t}\n" for u, i, t in ordered)
        path = write_text(tmp_path / name, text)
        results.append(prepare_data(file_dataset(path, "dataset.timestamp_column=t", *settings)))
    first, second = (data.split for data in results)

    assert all_pairs(first) == all_pairs(second)
    for part in ("train", "valid", "test"):
        assert np.array_equal(getattr(first, part).user_index, getattr(second, part).user_index)
        assert np.array_equal(getattr(first, part).item_index, getattr(second, part).item_index)
    assert set.union(*all_pairs(first)) == {(u, i) for u, i, _ in rows}
    assert sum(len(part) for part in all_pairs(first)) == len(rows)


@pytest.mark.parametrize(
    "overrides",
    [["split=cold_item", "split.seed=null"], ["split=given", "split.seed=true"]],
)
def test_split_seed_must_be_integer(tmp_path, overrides):
    path = write_text(tmp_path / "log.csv", "user,item\na,x\na,y\n")
    with pytest.raises(ValueError, match=r"invalid split.seed=.*expected an integer"):
        prepare_data(file_dataset(path, *overrides))


def test_null_seed_allowed_where_nothing_is_drawn(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item,t\na,x,1\na,y,2\na,z,3\nb,x,1\n")
    cfg = file_dataset(path, "dataset.timestamp_column=t", "split=leave_one_out",
                       "split.seed=null")  # fmt: skip
    assert len(prepare_data(cfg).split.test) == 1
