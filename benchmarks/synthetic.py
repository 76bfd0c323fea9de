"""Synthetic power-law bipartite interaction graphs of a chosen size, for growth curves."""

from __future__ import annotations

import numpy as np

# Gowalla's training file has about 27 interactions per user and 20 per item;
# the synthetic graphs keep those ratios so that only the size changes.
EDGES_PER_USER = 27
EDGES_PER_ITEM = 20
# Exponent of the Zipf-like popularity p(rank) ∝ rank^-a of users and items.
POPULARITY_EXPONENT = 0.8


def _zipf_draws(num_values: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` values in ``[0, num_values)`` with probability ∝ (value + 1)^-a."""
    weights = np.arange(1, num_values + 1, dtype=np.float64) ** -POPULARITY_EXPONENT
    cumulative = np.cumsum(weights)
    cumulative /= cumulative[-1]
    draws = np.searchsorted(cumulative, rng.random(size), side="right")
    return np.minimum(draws, num_values - 1)


def power_law_graph(
    num_edges: int, seed: int = 0, *, num_users: int | None = None, num_items: int | None = None
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Return ``(user_index, item_index, num_users, num_items)`` with about ``num_edges`` pairs.

    Users and items are drawn independently from Zipf-like popularities,
    then duplicate pairs are dropped, so the result contains fewer than
    ``num_edges`` distinct pairs (many fewer when the nodes are few). Node
    ids are shuffled so that popular nodes are spread over the index range.
    ``num_users`` and ``num_items`` default to Gowalla's interactions per
    user and per item; giving them changes the node count alone.
    """
    rng = np.random.default_rng(seed)
    if num_users is None:
        num_users = max(num_edges // EDGES_PER_USER, 2)
    if num_items is None:
        num_items = max(num_edges // EDGES_PER_ITEM, 2)
    users = rng.permutation(num_users)[_zipf_draws(num_users, num_edges, rng)]
    items = rng.permutation(num_items)[_zipf_draws(num_items, num_edges, rng)]
    keys = np.unique(users.astype(np.int64) * num_items + items)
    return keys // num_items, keys % num_items, num_users, num_items


def split_one_test_item(
    user_index: np.ndarray, item_index: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return a boolean mask that holds out one random interaction of each user with 2 or more."""
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(user_index)), user_index))
    first = np.ones(len(order), dtype=bool)
    first[1:] = user_index[order][1:] != user_index[order][:-1]
    counts = np.bincount(user_index)
    held_out = np.zeros(len(user_index), dtype=bool)
    held_out[order[first & (counts[user_index[order]] >= 2)]] = True
    return held_out
