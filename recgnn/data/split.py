"""Train/validation/test splits of an interaction table: per-user random and given files.

Every splitter first puts the rows in a canonical order (user, then raw item
id, then timestamp), so its result depends only on the set of interactions
and the seed, never on the row order of the input file.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from recgnn.data.interactions import PART_TEST, PART_TRAIN, PART_VALID, Interactions

log = logging.getLogger(__name__)


@dataclass
class Split:
    """The three parts of a split; all share the id maps of the full table."""

    train: Interactions
    valid: Interactions
    test: Interactions


def check_ratios(ratios: list[float], config_path: str = "split.ratios") -> None:
    """Raise unless the ratios are three non-negative numbers summing to 1 with train > 0."""
    if len(ratios) != 3 or any(not isinstance(r, (int, float)) for r in ratios):
        raise ValueError(
            f"invalid {config_path}={list(ratios)}: expected three numbers "
            "[train, valid, test], for example [0.8, 0.1, 0.1]"
        )
    if any(r < 0 for r in ratios) or ratios[0] <= 0 or not math.isclose(sum(ratios), 1.0):
        raise ValueError(
            f"invalid {config_path}={list(ratios)}: the ratios must be non-negative, "
            f"train must be positive and they must sum to 1 (they sum to {sum(ratios):g}); "
            "for example [0.8, 0.1, 0.1]"
        )


def random_split(interactions: Interactions, ratios: list[float], seed: int) -> Split:
    """Split each user's interactions at random into train, validation and test.

    A user with ``n`` interactions gets ``round(n * valid)`` validation and
    ``round(n * test)`` test rows, always keeping at least one training row.
    The rows are put in a canonical order first, so the split depends only on
    the set of interactions and the seed, not on the input's row order.
    """
    check_ratios(ratios)
    ordered = interactions.sort_rows()
    random_keys = np.random.default_rng(seed).random(len(ordered))
    counts = np.bincount(ordered.user_index, minlength=ordered.num_users)
    num_valid, num_test = ratio_counts(counts, ratios)
    # The rows with the smallest random keys are held out: rank by -key.
    part = assign_per_user(ordered.user_index, [-random_keys], num_valid, num_test)
    return split_by_part(ordered, part)


def given_split(interactions: Interactions, valid_ratio: float, seed: int) -> Split:
    """Keep the data set's own train/test files and carve validation out of training.

    Each user's given training rows lose ``round(n * valid_ratio)`` random
    rows (seeded) to validation, never the last one. ``valid_ratio=0`` keeps
    the published protocol unchanged: no validation split.
    """
    if interactions.given_part is None:
        raise ValueError(
            "split=given needs a data set with its own train/test files (gowalla, "
            "yelp2018, amazon-book, or ml-100k with GroupLens' folds); this one has none, so "
            "choose another split, e.g. split=random"
        )
    if (
        isinstance(valid_ratio, bool)
        or not isinstance(valid_ratio, (int, float))
        or not (0 <= valid_ratio < 1)
    ):
        raise ValueError(
            f"invalid split.valid_ratio={valid_ratio!r}: expected a number in [0, 1), "
            "e.g. split.valid_ratio=0.1 (0 keeps the published train/test files as they are)"
        )
    ordered = interactions.sort_rows()
    part = ordered.given_part.copy()
    if valid_ratio == 0:
        log.info(
            "split.valid_ratio=0: the given train/test files are used as published, "
            "with no validation split (so no early stopping)"
        )
        return split_by_part(ordered, part)

    train_rows = np.flatnonzero(part == PART_TRAIN)
    train_users = ordered.user_index[train_rows]
    random_keys = np.random.default_rng(seed).random(len(train_rows))
    counts = np.bincount(train_users, minlength=ordered.num_users)
    num_valid, _ = ratio_counts(counts, [1 - valid_ratio, valid_ratio, 0.0])
    carved = assign_per_user(train_users, [-random_keys], num_valid, np.zeros_like(num_valid))
    part[train_rows[carved == PART_VALID]] = PART_VALID
    log.info(
        "split.valid_ratio=%g: %d of %d given training rows moved to validation (seed %d)",
        valid_ratio, int((carved == PART_VALID).sum()), len(train_rows), seed,
    )  # fmt: skip
    return split_by_part(ordered, part)


def ratio_counts(counts: np.ndarray, ratios: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return each user's validation and test row counts for ``[train, valid, test]`` ratios.

    Counts round half up. A user always keeps at least one training row, so
    validation shrinks first, then test.
    """
    num_valid = np.floor(counts * ratios[1] + 0.5).astype(np.int64)
    num_test = np.floor(counts * ratios[2] + 0.5).astype(np.int64)
    overflow = np.maximum(num_valid + num_test - (counts - 1), 0)
    cut_valid = np.minimum(overflow, num_valid)
    num_valid -= cut_valid
    num_test -= np.minimum(overflow - cut_valid, num_test)
    return num_valid, num_test


def assign_per_user(
    user_index: np.ndarray, order_keys: list[np.ndarray], num_valid: np.ndarray,
    num_test: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Return each row's part: per user, the last rows by ``order_keys`` go to test,
    the ``num_valid`` rows before them to validation and the rest to train.

    ``order_keys`` follow ``np.lexsort``: the last key is the primary one.
    Shapes: ``user_index`` and each key ``(num_rows,)``; ``num_valid`` and
    ``num_test`` ``(num_users,)``.
    """
    order = np.lexsort((*order_keys, user_index))
    user_sorted = user_index[order]
    counts = np.bincount(user_index, minlength=len(num_valid))
    ends = np.cumsum(counts)
    # 0 for each user's last row, 1 for the one before, ...
    from_end = ends[user_sorted] - 1 - np.arange(len(order))
    test_count = num_test[user_sorted]
    sorted_part = np.full(len(order), PART_TRAIN, dtype=np.int8)
    sorted_part[from_end < test_count] = PART_TEST
    sorted_part[(from_end >= test_count) & (from_end < test_count + num_valid[user_sorted])] = (
        PART_VALID
    )
    part = np.empty_like(sorted_part)
    part[order] = sorted_part
    return part


def split_by_part(interactions: Interactions, part: np.ndarray) -> Split:
    """Return the split whose train, valid and test rows are those marked so in ``part``."""
    return Split(
        train=interactions.select(part == PART_TRAIN),
        valid=interactions.select(part == PART_VALID),
        test=interactions.select(part == PART_TEST),
    )
