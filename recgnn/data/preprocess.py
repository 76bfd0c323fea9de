"""Preprocessing steps between loading and splitting.

Order: implicit threshold, then duplicate pairs, then id compaction. Each step
logs how many rows, users and items it removed.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from recgnn.data.interactions import Interactions

log = logging.getLogger(__name__)

DUPLICATE_POLICIES = ("first", "last", "max_rating")


def apply_min_rating(interactions: Interactions, min_rating: float | None) -> Interactions:
    """Keep rows with ``rating >= min_rating`` (inclusive) as implicit positives.

    The same kept rows become graph edges and evaluation targets, so training
    and evaluation share one definition of a positive.
    """
    if min_rating is None:
        return interactions
    if isinstance(min_rating, bool) or not isinstance(min_rating, (int, float)):
        raise TypeError(
            f"dataset.min_rating must be a number or null, got {min_rating!r}; "
            "for example dataset.min_rating=4"
        )
    if interactions.rating is None:
        raise ValueError(
            f"dataset.min_rating={min_rating} was set, but this data set has no ratings; "
            "remove the override (dataset.min_rating=null)"
        )
    keep = interactions.rating >= min_rating
    _log_removed("min_rating", interactions, keep)
    return interactions.select(keep)


def drop_duplicates(interactions: Interactions, keep: str = "first") -> Interactions:
    """Collapse repeated (user, item) pairs into one row.

    Args:
        keep: ``first`` or ``last`` keeps the earliest or latest row (by
            timestamp when present, else by file order); ``max_rating`` keeps the
            highest-rated row.
    """
    if keep not in DUPLICATE_POLICIES:
        raise ValueError(
            f"invalid dataset.duplicates={keep!r}; expected one of {list(DUPLICATE_POLICIES)}"
        )
    num_rows = len(interactions)
    order = np.arange(num_rows)
    if keep == "max_rating" and interactions.rating is not None:
        # Highest rating first, file order breaks ties.
        order = np.lexsort((order, -interactions.rating))
    elif interactions.timestamp is not None:
        order = np.lexsort((order, interactions.timestamp))
    if keep == "last":
        order = order[::-1]
    keys = interactions.pair_keys()[order]
    _, first_position = np.unique(keys, return_index=True)
    kept_rows = np.sort(order[first_position])
    mask = np.zeros(num_rows, dtype=bool)
    mask[kept_rows] = True
    _log_removed("duplicates", interactions, mask)
    return interactions.select(mask)


def compact_ids(interactions: Interactions) -> Interactions:
    """Re-index users and items so that only those with a kept row remain."""
    used_users, user_index = np.unique(interactions.user_index, return_inverse=True)
    used_items, item_index = np.unique(interactions.item_index, return_inverse=True)
    return Interactions(
        user_index=user_index.astype(np.int64),
        item_index=item_index.astype(np.int64),
        user_ids=interactions.user_ids[used_users],
        item_ids=interactions.item_ids[used_items],
        rating=interactions.rating,
        timestamp=interactions.timestamp,
        extras=interactions.extras,
    )


def check_ratings_finite(rating: np.ndarray | None, source: str) -> None:
    """Raise if any rating is NaN or infinite, naming the first bad row."""
    if rating is None:
        return
    bad = np.flatnonzero(~np.isfinite(rating))
    if len(bad):
        value = rating[bad[0]]
        raise ValueError(
            f"{source}: rating {value if not math.isnan(value) else 'NaN'} in data row "
            f"{bad[0] + 1} is not a finite number ({len(bad)} such rows); "
            "fix or remove these rows"
        )


def _log_removed(step: str, before: Interactions, keep: np.ndarray) -> None:
    removed_rows = int(len(keep) - keep.sum())
    users_left = len(np.unique(before.user_index[keep]))
    items_left = len(np.unique(before.item_index[keep]))
    log.info(
        "%s: removed %d rows, %d users and %d items",
        step,
        removed_rows,
        len(np.unique(before.user_index)) - users_left,
        len(np.unique(before.item_index)) - items_left,
    )
