"""LightGCN-format splits: parsing, the given split, cold-start counts and Gowalla's sizes."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.data.interactions import PART_TEST, PART_TRAIN
from recgnn.data.lightgcn_format import load_lightgcn, read_user_item_lists
from tests.data.configs import compose_data, raw_pairs, write_lightgcn, write_text

# Users u1, u2 and u3 are ids 1, 2, 3; items i1..i4 are ids 1..4. u3 and i4
# occur only in the test file.
COLD_TRAIN = {1: [1, 2], 2: [2, 3]}
COLD_TEST = {1: [3, 4], 3: [1]}


def test_reads_one_pair_per_item(tmp_path):
    path = write_text(tmp_path / "train.txt", "0 5 7\n\n1 5\n2\n3  9\t4 \n")
    users, items = read_user_item_lists(path)

    assert users.tolist() == [0, 0, 1, 3, 3]
    assert items.tolist() == [5, 7, 5, 9, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 1 2\n1 x 3\n", r"train.txt, line 2: 'x' is not an integer id"),
        ("0 1 2\n\n1 2.5\n", r"train.txt, line 3: '2.5' is not an integer id"),
        ("0 1 -2\n", r"train.txt, line 1: negative id -2"),
        ("", r"train.txt is empty"),
        ("\n \n", r"train.txt is empty"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, text, message):
    path = write_text(tmp_path / "train.txt", text)
    with pytest.raises(ValueError, match=message):
        read_user_item_lists(path)


def test_rows_keep_their_file(tmp_path):
    folder = write_lightgcn(tmp_path, "yelp2018", COLD_TRAIN, COLD_TEST)
    interactions = load_lightgcn(folder)
    train = interactions.select(interactions.given_part == PART_TRAIN)
    test = interactions.select(interactions.given_part == PART_TEST)

    assert raw_pairs(train) == {(1, 1), (1, 2), (2, 2), (2, 3)}
    assert raw_pairs(test) == {(1, 3), (1, 4), (3, 1)}


def test_cold_user_and_item_counted_not_dropped(tmp_path, caplog):
    write_lightgcn(tmp_path, "amazon-book", COLD_TRAIN, COLD_TEST)
    cfg = compose_data("dataset=amazon-book", f"dataset.root={tmp_path}", "split.valid_ratio=0")
    with caplog.at_level(logging.INFO):
        data = prepare_data(cfg)
    stats = data.stats()

    assert (stats["num_train"], stats["num_valid"], stats["num_test"]) == (4, 0, 3)
    assert stats["test_rows_unseen_user"] == 1
    assert stats["test_rows_unseen_item"] == 1
    # The unseen item stays in the catalogue and in the test targets.
    assert data.num_items == 4
    assert 4 in data.split.test.item_ids[data.split.test.item_index].tolist()
    assert "test: 1 rows of 1 users with no training row" in caplog.text
    assert "no validation split" in caplog.text


def test_given_split_is_the_default(tmp_path):
    cfg = compose_data("dataset=yelp2018")
    assert cfg.split.name == "given"
    assert compose_data("dataset=yelp2018", "split=random").split.name == "random"


def test_fold_rejected_for_single_split(tmp_path):
    write_lightgcn(tmp_path, "yelp2018", COLD_TRAIN, COLD_TEST)
    cfg = compose_data("dataset=yelp2018", f"dataset.root={tmp_path}", "split.fold=2")
    with pytest.raises(ValueError, match=r"split.fold=2.*single given train/test split"):
        prepare_data(cfg)


def test_validation_carved_from_training_file(tmp_path):
    train = {user: list(range(10 * user, 10 * user + 10)) for user in range(6)}
    test = {user: [100 + user] for user in range(6)}
    write_lightgcn(tmp_path, "yelp2018", train, test)
    cfg = compose_data("dataset=yelp2018", f"dataset.root={tmp_path}", "split.valid_ratio=0.2")
    split = prepare_data(cfg).split

    assert len(split.valid) == 6 * 2
    assert len(split.train) == 6 * 8
    assert raw_pairs(split.test) == {(user, 100 + user) for user in range(6)}
    given_train = {(user, item) for user, items in train.items() for item in items}
    assert raw_pairs(split.train) | raw_pairs(split.valid) == given_train
    assert np.bincount(split.valid.user_index).tolist() == [2] * 6


def test_gowalla_exact_counts(data_dir):
    cfg = compose_data(
        "dataset=gowalla", f"dataset.root={data_dir}", "split.valid_ratio=0", "dataset.cache=false"
    )
    stats = prepare_data(cfg).stats()

    assert stats["num_users"] == 29_858
    assert stats["num_items"] == 40_981
    assert stats["num_train"] == 810_128
    assert stats["num_valid"] == 0
    assert stats["num_test"] == 217_242


def test_gowalla_carve_out_keeps_every_row(data_dir):
    cfg = compose_data("dataset=gowalla", f"dataset.root={data_dir}", "dataset.cache=false")
    split = prepare_data(cfg).split

    assert len(split.train) + len(split.valid) == 810_128
    assert len(split.test) == 217_242
    # Every user keeps at least one training row.
    assert np.bincount(split.train.user_index).min() >= 1


def test_given_split_ignores_line_order(tmp_path):
    train = {user: list(range(user, user + 8)) for user in range(5)}
    test = {user: [20 + user] for user in range(5)}
    shuffled_train = {user: items[::-1] for user, items in reversed(train.items())}
    splits = []
    for name, lists in (("in-order", train), ("shuffled", shuffled_train)):
        write_lightgcn(tmp_path / name, "gowalla", lists, test)
        cfg = compose_data("dataset=gowalla", f"dataset.root={tmp_path / name}")
        splits.append(prepare_data(cfg).split)

    for part in ("train", "valid", "test"):
        assert raw_pairs(getattr(splits[0], part)) == raw_pairs(getattr(splits[1], part))
    assert len(splits[0].valid) == 5


def test_temporal_split_needs_timestamps(tmp_path):
    write_lightgcn(tmp_path, "gowalla", COLD_TRAIN, COLD_TEST)
    cfg = compose_data("dataset=gowalla", f"dataset.root={tmp_path}", "split=temporal")
    with pytest.raises(ValueError, match=r"split=temporal orders interactions by time"):
        prepare_data(cfg)


def test_other_split_merges_pair_in_both_files(tmp_path):
    write_lightgcn(tmp_path, "gowalla", {0: [1, 2], 1: [2]}, {0: [1], 1: [3]})
    root = f"dataset.root={tmp_path}"
    given = prepare_data(compose_data("dataset=gowalla", root, "split.valid_ratio=0")).split
    merged_cfg = compose_data("dataset=gowalla", root, "split=random", "split.ratios=[1,0,0]")
    merged = prepare_data(merged_cfg).split

    # The published files list (0, 1) twice: kept in both given parts, merged otherwise.
    assert (len(given.train), len(given.test)) == (3, 2)
    assert len(merged.train) == 4
    assert raw_pairs(merged.train) == {(0, 1), (0, 2), (1, 2), (1, 3)}
