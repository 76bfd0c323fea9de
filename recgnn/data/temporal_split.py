"""Time-ordered splits: global temporal cut, per-user temporal ratio, leave-one-out.

Tie rule, shared by every splitter here: rows of one user with equal
timestamps are ordered by raw item id (item indices follow the sorted raw
ids), so the same interactions in any row order give the same split. The
global cut never separates equal timestamps: a tied group goes entirely to
the earlier part.
"""

from __future__ import annotations

import logging

import numpy as np

from recgnn.data.interactions import PART_TEST, PART_TRAIN, PART_VALID, Interactions
from recgnn.data.split import Split, assign_per_user, check_ratios, ratio_counts, split_by_part

log = logging.getLogger(__name__)

LEAVE_ONE_OUT_ORDERS = ("time", "random")


def temporal_split(interactions: Interactions, ratios: list[float]) -> Split:
    """Cut the whole log at two points in time: the oldest rows train, the newest test.

    Train ends at the first timestamp by which ``round(n * train)`` rows have
    occurred, and validation at the first by which ``round(n * (train + valid))``
    have. Every row with a cut's timestamp stays on the earlier side, so no
    timestamp is on both sides of a cut. Users and items first seen after a
    cut appear only in validation or test.

    Raises:
        ValueError: Without timestamps, or when the test part would be empty.
    """
    _require_timestamps(interactions, "temporal")
    check_ratios(ratios)
    ordered = interactions.sort_rows()
    times, counts = np.unique(ordered.timestamp, return_counts=True)
    covered = np.cumsum(counts)
    num_rows = len(ordered)
    train_rows = max(int(np.floor(num_rows * ratios[0] + 0.5)), 1)
    train_valid_rows = max(int(np.floor(num_rows * (ratios[0] + ratios[1]) + 0.5)), train_rows)
    train_end = times[np.searchsorted(covered, train_rows)]
    valid_end = times[min(np.searchsorted(covered, train_valid_rows), len(times) - 1)]

    part = np.full(num_rows, PART_TEST, dtype=np.int8)
    part[ordered.timestamp <= valid_end] = PART_VALID
    part[ordered.timestamp <= train_end] = PART_TRAIN
    if ratios[2] > 0 and not (part == PART_TEST).any():
        raise ValueError(
            f"split=temporal with split.ratios={list(ratios)} leaves the test part empty: "
            f"the validation cut falls on the last timestamp {valid_end} because the log "
            f"has only {len(times)} distinct timestamps; lower the train and valid ratios, "
            "e.g. split.ratios=[0.7,0.1,0.2]"
        )
    if ratios[1] > 0 and not (part == PART_VALID).any():
        log.warning("temporal split: the validation part is empty because train ends on "
                    "a timestamp shared with the rows meant for validation")  # fmt: skip
    log.info("temporal split: train up to timestamp %d, validation up to %d, test after",
             train_end, valid_end)  # fmt: skip
    return split_by_part(ordered, part)


def user_temporal_split(interactions: Interactions, ratios: list[float]) -> Split:
    """Split each user's history by time: the oldest rows train, the newest test.

    Per-user counts follow :func:`recgnn.data.split.ratio_counts` (round half
    up, at least one training row).
    """
    _require_timestamps(interactions, "user_temporal")
    check_ratios(ratios)
    ordered = interactions.sort_rows()
    counts = np.bincount(ordered.user_index, minlength=ordered.num_users)
    num_valid, num_test = ratio_counts(counts, ratios)
    part = assign_per_user(
        ordered.user_index, [ordered.item_index, ordered.timestamp], num_valid, num_test
    )
    return split_by_part(ordered, part)


def leave_one_out_split(
    interactions: Interactions, order: str, with_valid: bool, seed: int | None
) -> Split:
    """Hold out each user's last interaction for test and the one before it for validation.

    A user needs two rows to give one to test and three to also give one to
    validation. Users with fewer rows keep them all in training.

    Args:
        order: ``time`` (latest by timestamp, ties by raw item id) or
            ``random`` (seeded, independent of the input row order).
        with_valid: Whether to hold out a validation row as well.
        seed: Seed of ``order=random``.
    """
    if order not in LEAVE_ONE_OUT_ORDERS:
        raise ValueError(
            f"invalid split.order={order!r}; expected one of {list(LEAVE_ONE_OUT_ORDERS)}, "
            "e.g. split.order=time"
        )
    if not isinstance(with_valid, bool):
        raise ValueError(f"split.with_valid must be true or false, got {with_valid!r}")
    ordered = interactions.sort_rows()
    if order == "time":
        _require_timestamps(interactions, "leave_one_out with split.order=time")
        keys = [ordered.item_index, ordered.timestamp]
    else:
        if seed is None:
            raise ValueError("split.order=random needs split.seed, e.g. split.seed=2020")
        keys = [np.random.default_rng(seed).random(len(ordered))]
    counts = np.bincount(ordered.user_index, minlength=ordered.num_users)
    num_test = (counts >= 2).astype(np.int64)
    num_valid = ((counts >= 3) & with_valid).astype(np.int64)
    part = assign_per_user(ordered.user_index, keys, num_valid, num_test)
    log.info("leave-one-out (%s): %d users hold out a test row, %d a validation row",
             order, int(num_test.sum()), int(num_valid.sum()))  # fmt: skip
    return split_by_part(ordered, part)


def _require_timestamps(interactions: Interactions, split_name: str) -> None:
    if interactions.timestamp is None:
        raise ValueError(
            f"split={split_name} orders interactions by time, but this data set has no "
            "timestamps; choose split=random or split=leave_one_out with "
            "split.order=random (for a log file, set dataset.timestamp_column)"
        )
