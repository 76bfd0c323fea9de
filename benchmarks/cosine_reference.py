"""An independent implementation of cosine UserKNN and ItemKNN, to check recgnn's against.

It shares no code with :mod:`recgnn.models.knn` and reads the LightGCN-format
files itself. The definitions, for binary interaction vectors:

- ``sim(a, b) = a·b / (‖a‖ ‖b‖)``; a row is never its own neighbour;
- UserKNN: ``score(u, i) = Σ_{v ∈ N_k(u)} sim(u, v) · r_vi``;
- ItemKNN: ``score(u, i) = Σ_{j ∈ I(u) ∩ N_k(i)} sim(i, j)``;

with ``N_k(a)`` the ``k`` rows of positive similarity to ``a`` that rank
first, ``k=None`` meaning all of them.

Neighbours are ranked exactly, not by floating-point similarity. For a
fixed row ``a``, ``sim(a, b) = c / sqrt(n_a n_b)`` with ``c`` the number of
shared columns and ``n`` the row degrees. So ``b`` ranks before ``b'`` when
``c² / n_b > c'² / n_b'``, a comparison of integers. Two rows whose
similarities are equal as real numbers tie, and the lower index wins the
tie. This is the rule recgnn's ``cosine_neighbours`` documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

# Requested rows per sparse product; bounds memory when ItemKNN ranks every item's row.
ROWS_PER_BLOCK = 1024


def read_pairs(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return the (user, item) raw ids of a ``user item item ...`` file."""
    users: list[int] = []
    items: list[int] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            ids = [int(field) for field in line.split()]
            users.extend(ids[:1] * (len(ids) - 1))
            items.extend(ids[1:])
    return np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)


def binary_matrix(users: np.ndarray, items: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Return the binary ``(num_users, num_items)`` matrix, one entry per distinct pair."""
    matrix = sp.csr_matrix((np.ones(len(users)), (users, items)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def exact_neighbours(vectors: sp.csr_matrix, rows: np.ndarray, k: int | None) -> sp.csr_matrix:
    """Return ``W[r, b] = sim(rows[r], b)`` for the ``k`` first-ranked neighbours of each row.

    Shapes:
        - ``vectors``: ``(num_rows, num_columns)``, binary
        - ``rows``: ``(num_requested,)``
        - output: ``(num_requested, num_rows)``
    """
    blocks = [
        _neighbour_block(vectors, rows[start : start + ROWS_PER_BLOCK], k)
        for start in range(0, len(rows), ROWS_PER_BLOCK)
    ]
    return sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, vectors.shape[0]))


def _neighbour_block(vectors: sp.csr_matrix, rows: np.ndarray, k: int | None) -> sp.csr_matrix:
    position, column, shared, _ = _ranked_pairs(vectors, rows)
    if k is not None:
        first = _rank_in_row(position, len(rows)) < k
        position, column, shared = position[first], column[first], shared[first]
    degree = np.diff(vectors.indptr).astype(np.int64)
    similarity = shared / np.sqrt(degree[rows[position]] * degree[column])
    return sp.csr_matrix((similarity, (position, column)), shape=(len(rows), vectors.shape[0]))


def _ranked_pairs(vectors: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return (position in ``rows``, neighbour, shared count, key) sorted by row, then rank.

    ``key`` has two columns, the reduced fraction ``shared² / degree`` of the
    neighbour, so equal keys mean equal cosines.

    Shapes:
        - every output: ``(num_pairs,)``, except ``key``: ``(num_pairs, 2)``
    """
    degree = np.diff(vectors.indptr).astype(np.int64)
    # One sparse product gives each requested row's co-occurrence counts with every row.
    counts = (vectors[rows] @ vectors.T).tocoo()
    position, column = counts.row.astype(np.int64), counts.col.astype(np.int64)
    shared = np.rint(counts.data).astype(np.int64)
    keep = (column != rows[position]) & (shared > 0)
    position, column, shared = position[keep], column[keep], shared[keep]

    # sim ranks like shared² / degree[column]. As a reduced fraction, equal cosines get equal keys.
    numerator, denominator = shared * shared, degree[column]
    divisor = np.gcd(numerator, denominator)
    numerator, denominator = numerator // divisor, denominator // divisor
    order = np.lexsort((column, -np.sqrt(numerator / denominator), position))
    position, numerator, denominator = position[order], numerator[order], denominator[order]
    _check_exact_order(position, numerator, denominator)
    return position, column[order], shared[order], np.stack([numerator, denominator], axis=1)


def _rank_in_row(position: np.ndarray, num_rows: int) -> np.ndarray:
    """Return each sorted pair's rank among its row's neighbours, from 0."""
    starts = np.searchsorted(position, np.arange(num_rows))
    return np.arange(len(position)) - starts[position]


def count_cutoff_ties(vectors: sp.csr_matrix, rows: np.ndarray, k: int) -> tuple[int, int]:
    """Count the ``rows`` with more than ``k`` neighbours, and those among them that tie.

    A row ties when its ``k``-th and ``(k + 1)``-th neighbours have equal
    cosines, so the tie rule picks which one is kept.
    """
    rows_past_k, ties = 0, 0
    for start in range(0, len(rows), ROWS_PER_BLOCK):
        block = rows[start : start + ROWS_PER_BLOCK]
        position, _, _, key = _ranked_pairs(vectors, block)
        rank = _rank_in_row(position, len(block))
        first_dropped = np.flatnonzero(rank == k)
        rows_past_k += len(first_dropped)
        # Pairs are sorted by row, then rank, so the k-th neighbour sits right before.
        ties += int((key[first_dropped] == key[first_dropped - 1]).all(axis=1).sum())
    return rows_past_k, ties


def _check_exact_order(position: np.ndarray, numerator: np.ndarray, denominator: np.ndarray):
    """Raise unless each row's neighbours are in exact descending order of similarity.

    The floating-point sort key could order two distinct fractions that are
    closer than one ulp wrongly, so every adjacent pair is checked in integers.
    """
    same_row = position[1:] == position[:-1]
    before = numerator[:-1] * denominator[1:]
    after = numerator[1:] * denominator[:-1]
    equal_key = (numerator[1:] == numerator[:-1]) & (denominator[1:] == denominator[:-1])
    wrong = same_row & ((before < after) | ((before == after) & ~equal_key))
    if wrong.any():
        raise ArithmeticError(
            f"{int(wrong.sum())} neighbour pairs are out of exact order; the floating-point "
            "sort key cannot separate them, so rank these rows with fractions.Fraction"
        )


def userknn_scores(matrix: sp.csr_matrix, users: np.ndarray, k: int | None) -> np.ndarray:
    """Return the UserKNN scores of ``users`` against every item, ``(len(users), num_items)``."""
    neighbours = exact_neighbours(matrix, users, k)
    return (neighbours @ matrix).toarray()


def itemknn_scores(matrix: sp.csr_matrix, users: np.ndarray, k: int | None) -> np.ndarray:
    """Return the ItemKNN scores of ``users`` against every item, ``(len(users), num_items)``.

    With ``k=None``, cosine is symmetric, so only the rows of the users' own
    training items are needed. With a finite ``k``, ``N_k(i)`` comes from item
    ``i``'s own row, so every item's row is ranked.
    """
    item_vectors = matrix.T.tocsr()
    user_rows = matrix[users]
    if k is None:
        own_items = np.unique(user_rows.indices)
        neighbours = exact_neighbours(item_vectors, own_items, None)
        return (user_rows[:, own_items] @ neighbours).toarray()
    neighbours = exact_neighbours(item_vectors, np.arange(matrix.shape[1]), k)
    # score(u, i) = Σ_j r_uj W[i, j]
    return (user_rows @ neighbours.T).toarray()


def ranking_metrics(
    scores: np.ndarray, seen: list[np.ndarray], targets: list[np.ndarray], k: int, rtol: float
) -> dict[str, np.ndarray]:
    """Return recall@k, NDCG@k and whether they are determined, per row of ``scores``.

    Each row's ``seen`` items are masked, the rest ranked by score with the
    lower item first among equal scores. The metrics are ``determined`` when
    no group of (near-)equal scores that reaches the top ``k`` contains both a
    target and a non-target item. Otherwise another tie order, such as the
    one ``torch.topk`` picks, can change them. Scores within ``rtol`` of
    their neighbour in the ranking count as equal, because a float32 copy of
    the scores may merge them.
    """
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    columns = {"recall": [], "ndcg": [], "determined": []}
    for row, seen_items, target_items in zip(scores, seen, targets, strict=True):
        masked = row.copy()
        masked[seen_items] = -np.inf
        order = np.lexsort((np.arange(len(masked)), -masked))
        is_target = np.isin(order, target_items)
        hits = is_target[:k]
        ideal = discount[: min(k, len(target_items))].sum()
        columns["recall"].append(hits.sum() / len(target_items))
        columns["ndcg"].append((hits * discount[: len(hits)]).sum() / ideal)
        columns["determined"].append(_tie_free(masked[order], is_target, k, rtol))
    return {name: np.asarray(values) for name, values in columns.items()}


def _tie_free(ranked: np.ndarray, is_target: np.ndarray, k: int, rtol: float) -> bool:
    """Return whether every score group reaching the top ``k`` is all targets or all others."""
    near = np.isclose(ranked[1:], ranked[:-1], rtol=rtol, atol=0.0)
    group = np.concatenate([[0], np.cumsum(~near)])
    reaching = group <= group[min(k, len(ranked)) - 1]
    group, is_target = group[reaching], is_target[reaching]
    targets_per_group = np.bincount(group, weights=is_target)
    sizes = np.bincount(group)
    return bool(np.all((targets_per_group == 0) | (targets_per_group == sizes)))
