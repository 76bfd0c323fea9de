"""Train/validation/test splits of an interaction table."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from recgnn.data.interactions import Interactions

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
    rng = np.random.default_rng(seed)
    random_keys = rng.random(len(ordered))

    # Rank each row within its user by a random key: a per-user shuffle in one sort.
    order = np.lexsort((random_keys, ordered.user_index))
    user_sorted = ordered.user_index[order]
    counts = np.bincount(ordered.user_index, minlength=ordered.num_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - starts[user_sorted]

    num_valid = np.floor(counts * ratios[1] + 0.5).astype(np.int64)
    num_test = np.floor(counts * ratios[2] + 0.5).astype(np.int64)
    # Never leave a user without a training row: shrink validation first, then test.
    overflow = np.maximum(num_valid + num_test - (counts - 1), 0)
    cut_valid = np.minimum(overflow, num_valid)
    num_valid -= cut_valid
    num_test -= np.minimum(overflow - cut_valid, num_test)

    part = np.zeros(len(order), dtype=np.int8)  # 0 train, 1 valid, 2 test
    user_test = num_test[user_sorted]
    part[rank < user_test] = 2
    part[(rank >= user_test) & (rank < user_test + num_valid[user_sorted])] = 1
    row_part = np.empty_like(part)
    row_part[order] = part
    return Split(
        train=ordered.select(row_part == 0),
        valid=ordered.select(row_part == 1),
        test=ordered.select(row_part == 2),
    )
