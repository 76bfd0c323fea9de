"""Item cold-start split: a seeded share of items appears only in validation or test."""

from __future__ import annotations

import logging

import numpy as np

from recgnn.data.interactions import Interactions
from recgnn.data.split import Split, check_ratios

log = logging.getLogger(__name__)


def cold_item_split(interactions: Interactions, ratios: list[float], seed: int) -> Split:
    """Split by item: every interaction of a cold item goes to validation or test.

    The items are shuffled with ``seed`` and divided by ``ratios``
    ``[train, valid, test]``: ``round(num_items * valid)`` items put all their
    interactions in validation, ``round(num_items * test)`` items all theirs in
    test, and the rest are the training items. No validation or test item has
    a training interaction, so a model scores them from side features alone
    (or not at all). Validating on cold items makes early stopping select for
    cold-start quality, which is what this split measures.

    Items are counted over those with at least one interaction, so an item
    without any row (possible before id compaction) is never drawn as cold.

    Raises:
        ValueError: If the ratios are invalid or leave no training item.
    """
    check_ratios(ratios)
    items = np.unique(interactions.item_index)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(items)

    num_valid = int(np.floor(len(items) * ratios[1] + 0.5))
    num_test = int(np.floor(len(items) * ratios[2] + 0.5))
    if num_valid + num_test >= len(items):
        raise ValueError(
            f"invalid split.ratios={list(ratios)}: with {len(items)} items they leave no "
            "training item; lower the valid and test shares, for example [0.8, 0.1, 0.1]"
        )
    part_of_item = np.zeros(interactions.num_items, dtype=np.int8)  # 0 train, 1 valid, 2 test
    part_of_item[shuffled[:num_test]] = 2
    part_of_item[shuffled[num_test : num_test + num_valid]] = 1

    ordered = interactions.sort_rows()
    row_part = part_of_item[ordered.item_index]
    split = Split(
        train=ordered.select(row_part == 0),
        valid=ordered.select(row_part == 1),
        test=ordered.select(row_part == 2),
    )
    log.info(
        "cold_item split (seed %d): %d train, %d valid and %d test items",
        seed, len(items) - num_valid - num_test, num_valid, num_test,
    )  # fmt: skip
    return split
