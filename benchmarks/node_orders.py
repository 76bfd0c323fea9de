"""Node orders of a bipartite graph that keep the users first and the items second.

Each function returns ``(new_user_id, new_item_id)``: arrays that map every
old id to its new id, so ``new_user_id[user_index]`` relabels an edge list.
Keeping the two sides apart keeps recgnn's layout (users ``0 .. num_users - 1``,
then items), so any of these orders could be applied when a data set is
loaded without changing a model.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import reverse_cuthill_mckee

NodeIds = tuple[np.ndarray, np.ndarray]


def positions(order: np.ndarray) -> np.ndarray:
    """Return the inverse permutation: ``positions(order)[order[k]] == k``."""
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return inverse


def shuffled_ids(num_users: int, num_items: int, seed: int) -> NodeIds:
    """Give users and items random new ids (the order of the synthetic graphs)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(num_users), rng.permutation(num_items)


def degree_ids(
    user_index: np.ndarray, item_index: np.ndarray, num_users: int, num_items: int
) -> NodeIds:
    """Number users, then items, by decreasing degree, so the busiest rows are adjacent."""
    user_degree = np.bincount(user_index, minlength=num_users)
    item_degree = np.bincount(item_index, minlength=num_items)
    return (
        positions(np.argsort(-user_degree, kind="stable")),
        positions(np.argsort(-item_degree, kind="stable")),
    )


def rcm_ids(
    user_index: np.ndarray, item_index: np.ndarray, num_users: int, num_items: int
) -> NodeIds:
    """Number the nodes in reverse Cuthill-McKee order, then split it into users and items.

    SciPy's RCM orders all nodes of the symmetric user-item adjacency by
    breadth-first search. Users keep their relative RCM order and so do items,
    so both sides stay banded when the users are placed before the items.
    """
    num_nodes = num_users + num_items
    ones = np.ones(len(user_index), dtype=np.float32)
    upper = scipy.sparse.coo_matrix(
        (ones, (user_index, item_index + num_users)), shape=(num_nodes, num_nodes)
    )
    adjacency = (upper + upper.T).tocsr()
    rank = positions(reverse_cuthill_mckee(adjacency, symmetric_mode=True))
    return (
        positions(np.argsort(rank[:num_users], kind="stable")),
        positions(np.argsort(rank[num_users:], kind="stable")),
    )
