"""Tiny hand-built interaction tables and graphs shared by the model tests."""

from __future__ import annotations

import numpy as np
import torch

from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions


def interactions(pairs: list[tuple[int, int]], num_users: int, num_items: int) -> Interactions:
    """Return (user, item) index pairs as an Interactions table over a fixed catalogue."""
    users = np.array([user for user, _ in pairs], dtype=np.int64)
    items = np.array([item for _, item in pairs], dtype=np.int64)
    return Interactions(
        user_index=users,
        item_index=items,
        user_ids=np.arange(num_users),
        item_ids=np.arange(num_items),
    )


def graph(pairs: list[tuple[int, int]], num_users: int, num_items: int) -> BipartiteGraph:
    """Return the bipartite training graph of the given (user, item) pairs."""
    return BipartiteGraph.from_interactions(interactions(pairs, num_users, num_items))


def dense_matrix(pairs: list[tuple[int, int]], num_users: int, num_items: int) -> np.ndarray:
    """Return the binary users x items matrix of the pairs (float64)."""
    matrix = np.zeros((num_users, num_items))
    for user, item in pairs:
        matrix[user, item] = 1.0
    return matrix


def random_pairs(
    num_users: int, num_items: int, density: float, seed: int
) -> list[tuple[int, int]]:
    """Return a seeded random set of (user, item) pairs; some users and items stay empty."""
    rng = np.random.default_rng(seed)
    mask = rng.random((num_users, num_items)) < density
    mask[0] = False  # a user without interactions
    mask[:, 0] = False  # an item without interactions
    users, items = np.nonzero(mask)
    return list(zip(users.tolist(), items.tolist(), strict=True))


def all_scores(model, num_users: int) -> np.ndarray:
    """Return the model's scores of every user against every item."""
    return model.score_users(torch.arange(num_users)).numpy()
