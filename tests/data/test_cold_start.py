"""The item cold-start split: whole items in validation and test, seeded."""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from recgnn.data.cold_start import cold_item_split
from recgnn.data.datamodule import split_interactions
from recgnn.data.interactions import Interactions


def random_table(num_users: int = 30, num_items: int = 40, seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, num_users * num_items, size=500))
    return Interactions(
        user_index=keys // num_items, item_index=keys % num_items,
        user_ids=np.arange(num_users), item_ids=np.arange(num_items),
    )  # fmt: skip


def items_of(part: Interactions) -> set[int]:
    return set(part.item_index.tolist())


def test_cold_items_have_all_rows_outside_train():
    table = random_table()
    split = cold_item_split(table, [0.8, 0.1, 0.1], seed=1)
    train, valid, test = items_of(split.train), items_of(split.valid), items_of(split.test)
    assert train.isdisjoint(valid)
    assert train.isdisjoint(test)
    assert valid.isdisjoint(test)
    assert len(split.train) + len(split.valid) + len(split.test) == len(table)
    for item in test:
        assert (split.test.item_index == item).sum() == (table.item_index == item).sum()


def test_cold_item_counts_follow_ratios():
    table = random_table()
    num_items = len(np.unique(table.item_index))
    split = cold_item_split(table, [0.7, 0.1, 0.2], seed=1)
    assert len(items_of(split.valid)) == round(num_items * 0.1)
    assert len(items_of(split.test)) == round(num_items * 0.2)


def test_cold_item_split_is_seeded():
    table = random_table()
    first = cold_item_split(table, [0.8, 0.1, 0.1], seed=3)
    again = cold_item_split(table, [0.8, 0.1, 0.1], seed=3)
    other = cold_item_split(table, [0.8, 0.1, 0.1], seed=4)
    assert items_of(first.test) == items_of(again.test)
    assert items_of(first.test) != items_of(other.test)


def test_cold_item_split_ignores_row_order():
    table = random_table()
    shuffled = table.select(np.random.default_rng(9).permutation(len(table)))
    assert items_of(cold_item_split(table, [0.8, 0.1, 0.1], 5).test) == items_of(
        cold_item_split(shuffled, [0.8, 0.1, 0.1], 5).test
    )


def test_cold_item_split_keeps_a_training_item():
    table = random_table(num_items=4)
    with pytest.raises(ValueError, match=r"leave no training item"):
        cold_item_split(table, [0.0001, 0.4999, 0.5], seed=0)


def test_cold_item_split_rejects_bad_ratios():
    with pytest.raises(ValueError, match=r"invalid split\.ratios"):
        cold_item_split(random_table(), [0.8, 0.3, 0.1], seed=0)


def test_cold_item_registered_as_split():
    split_cfg = OmegaConf.create({"name": "cold_item", "ratios": [0.8, 0.1, 0.1], "seed": 2})
    split = split_interactions(random_table(), split_cfg, OmegaConf.create({}))
    assert items_of(split.train).isdisjoint(items_of(split.test))
