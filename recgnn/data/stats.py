"""Summary statistics of a split: sizes, density, degree quantiles and cold-start counts."""

from __future__ import annotations

import logging

import numpy as np

from recgnn.data.interactions import Interactions
from recgnn.data.split import Split

log = logging.getLogger(__name__)

DEGREE_QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)


def split_statistics(name: str, split: Split) -> dict:
    """Return the statistics of a split as a flat, JSON-ready dict.

    Keys: ``num_users``, ``num_items``, ``num_train``/``num_valid``/``num_test``,
    ``num_interactions``, ``density`` (all interactions over users x items),
    ``user_degree``/``item_degree`` (training-degree quantiles, keyed ``q0`` ...
    ``q100``) and, for ``valid`` and ``test``, the cold-start counts of
    :func:`cold_start_counts` prefixed with the part name.
    """
    train = split.train
    num_users, num_items = train.num_users, train.num_items
    total = len(train) + len(split.valid) + len(split.test)
    stats = {
        "dataset": name,
        "num_users": num_users,
        "num_items": num_items,
        "num_train": len(train),
        "num_valid": len(split.valid),
        "num_test": len(split.test),
        "num_interactions": total,
        "density": total / (num_users * num_items) if num_users and num_items else 0.0,
        "user_degree": degree_quantiles(train.user_index, num_users),
        "item_degree": degree_quantiles(train.item_index, num_items),
    }
    for part_name, part in (("valid", split.valid), ("test", split.test)):
        for key, value in cold_start_counts(train, part).items():
            stats[f"{part_name}_{key}"] = value
    return stats


def degree_quantiles(index: np.ndarray, size: int) -> dict[str, float]:
    """Return quantiles of the row count per index, zeros included (``q50`` the median)."""
    degree = np.bincount(index, minlength=size)
    if size == 0:
        return {}
    values = np.quantile(degree, DEGREE_QUANTILES)
    return {f"q{round(q * 100)}": float(v) for q, v in zip(DEGREE_QUANTILES, values, strict=True)}


def cold_start_counts(train: Interactions, part: Interactions) -> dict[str, int]:
    """Count the rows, users and items of ``part`` that have no training interaction.

    The item catalogue is every item of the data set, so an unseen item stays
    a target. A user with no training row is counted here, and the evaluator
    leaves such users out of the metric means.
    """
    train_users = np.zeros(train.num_users, dtype=bool)
    train_items = np.zeros(train.num_items, dtype=bool)
    train_users[train.user_index] = True
    train_items[train.item_index] = True
    unseen_user = ~train_users[part.user_index]
    unseen_item = ~train_items[part.item_index]
    return {
        "rows_unseen_user": int(unseen_user.sum()),
        "rows_unseen_item": int(unseen_item.sum()),
        "users_unseen": len(np.unique(part.user_index[unseen_user])),
        "items_unseen": len(np.unique(part.item_index[unseen_item])),
    }


def log_cold_start(split: Split) -> None:
    """Log how many validation and test rows have a user or item absent from training."""
    for part_name, part in (("valid", split.valid), ("test", split.test)):
        counts = cold_start_counts(split.train, part)
        if counts["rows_unseen_user"] or counts["rows_unseen_item"]:
            log.info(
                "%s: %d rows of %d users with no training row (left out of the means), "
                "%d rows of %d items with no training row (kept as targets)",
                part_name, counts["rows_unseen_user"], counts["users_unseen"],
                counts["rows_unseen_item"], counts["items_unseen"],
            )  # fmt: skip
