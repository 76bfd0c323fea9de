"""Cosine neighbourhood baselines: UserKNN and ItemKNN on sparse interaction matrices.

Similarity is cosine over binary interaction vectors,
``sim(a, b) = a·b / (‖a‖ ‖b‖ + shrinkage)``, computed over all users (or items),
not only co-rated ones. A row is never its own neighbour. Scores come from
scipy.sparse products, so memory holds the sparse neighbour matrix and one
``(batch, num_items)`` score block.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender

# Rows of the dense similarity block built at once: 2**25 float64 values (256 MiB).
SIMILARITY_BLOCK_VALUES = 2**25
# Decimals kept when similarities are compared to pick the k nearest neighbours.
TIE_DECIMALS = 12


def interaction_matrix(graph: BipartiteGraph) -> sp.csr_matrix:
    """Return the binary ``(num_users, num_items)`` training matrix R (float64, CSR)."""
    values = np.ones(graph.num_edges)
    matrix = sp.csr_matrix(
        (values, (graph.user_index.numpy(), graph.item_index.numpy())),
        shape=(graph.num_users, graph.num_items),
    )
    matrix.data[:] = 1.0  # duplicate pairs would have summed to 2
    return matrix


def cosine_neighbours(
    vectors: sp.csr_matrix, k: int | None = None, shrinkage: float = 0.0
) -> sp.csr_matrix:
    """Return W with ``W[a, b] = sim(a, b)`` for the ``k`` rows ``b`` most similar to ``a``.

    Row ``a`` keeps its ``k`` largest positive similarities to other rows
    (``k=None``: all of them). Ties at the cut-off go to the lower index, so
    the result is deterministic. A row with no interaction has no neighbour.

    Shapes:
        - ``vectors``: ``(num_rows, num_columns)`` binary
        - output: ``(num_rows, num_rows)`` sparse, zero diagonal
    """
    num_rows = vectors.shape[0]
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    transposed = vectors.T.tocsc()
    block_rows = max(1, SIMILARITY_BLOCK_VALUES // max(num_rows, 1))
    blocks = []
    for start in range(0, num_rows, block_rows):
        stop = min(start + block_rows, num_rows)
        dots = (vectors[start:stop] @ transposed).toarray()
        denominator = np.outer(norms[start:stop], norms) + shrinkage
        similarity = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)
        similarity[np.arange(stop - start), np.arange(start, stop)] = 0.0
        blocks.append(sp.csr_matrix(_keep_top_k(similarity, k)))
    return sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, 0))


def _keep_top_k(similarity: np.ndarray, k: int | None) -> np.ndarray:
    """Zero all but the ``k`` largest positive entries of each row (lower index wins ties).

    Similarities are compared after rounding to ``TIE_DECIMALS`` decimals:
    mathematically equal cosines such as 2/(√2·√8) and 1/(√2·√2) can differ
    in the last bit, and rounding makes them the tie they are.
    """
    similarity = np.where(similarity > 0, similarity, 0.0)
    if k is None or k >= similarity.shape[1]:
        return similarity
    ranked = np.round(similarity, TIE_DECIMALS)
    threshold = -np.partition(-ranked, k - 1, axis=1)[:, k - 1 : k]
    above = ranked > threshold
    # Fill the remaining places with the threshold value, left to right.
    at_threshold = (ranked == threshold) & (ranked > 0)
    places_left = k - above.sum(axis=1, keepdims=True)
    keep = above | (at_threshold & (np.cumsum(at_threshold, axis=1) <= places_left))
    return np.where(keep, similarity, 0.0)


def _check_options(k: int | None, shrinkage: float) -> None:
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise ValueError(
            f"model.k must be a positive integer or null (all neighbours), got {k!r}; "
            "for example model.k=50"
        )
    if isinstance(shrinkage, bool) or not isinstance(shrinkage, (int, float)) or shrinkage < 0:
        raise ValueError(
            f"model.shrinkage must be a non-negative number, got {shrinkage!r}; "
            "for example model.shrinkage=0 (plain cosine)"
        )


def _to_scores(block: sp.spmatrix, like: Tensor) -> Tensor:
    return torch.from_numpy(block.toarray().astype(np.float32)).to(like.device)


class UserKNN(Recommender):
    r"""User-based cosine kNN (the classic GroupLens neighbourhood method).

    Resnick et al., "GroupLens: An Open Architecture for Collaborative
    Filtering of Netnews", CSCW 1994, with cosine similarity on binary data:

    .. math::
        \hat{y}_{ui} = \sum_{v \in N_k(u)} \mathrm{sim}(u, v)\, r_{vi}

    with :math:`N_k(u)` the ``k`` users most similar to ``u``, never ``u``
    itself. The scores of ``u``'s own training items are computed like any
    other; the evaluator masks them.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        k: Neighbours per user (default ``50``); ``None`` uses every user, exactly.
        shrinkage: Added to the cosine denominator (default ``0.0``, plain cosine).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    is_trainable = False

    def __init__(self, num_users: int, num_items: int, k: int | None = 50, shrinkage: float = 0.0):
        super().__init__()
        _check_options(k, shrinkage)
        self.num_users = num_users
        self.num_items = num_items
        self.k = k
        self.shrinkage = float(shrinkage)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.interactions = interaction_matrix(graph)
        self.neighbours = cosine_neighbours(self.interactions, self.k, self.shrinkage)

    def score_users(self, user_index: Tensor) -> Tensor:
        rows = user_index.cpu().numpy()
        return _to_scores(self.neighbours[rows] @ self.interactions, user_index)


class ItemKNN(Recommender):
    r"""Item-based cosine kNN.

    Sarwar et al., "Item-Based Collaborative Filtering Recommendation
    Algorithms", WWW 2001, with cosine similarity on binary data:

    .. math::
        \hat{y}_{ui} = \sum_{j \in I(u) \cap N_k(i)} \mathrm{sim}(i, j)

    with :math:`I(u)` the user's training items and :math:`N_k(i)` the ``k``
    items most similar to ``i``, never ``i`` itself.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        k: Neighbours per item (default ``100``); ``None`` uses every item, exactly.
        shrinkage: Added to the cosine denominator (default ``0.0``, plain cosine).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    is_trainable = False

    def __init__(
        self, num_users: int, num_items: int, k: int | None = 100, shrinkage: float = 0.0
    ):
        super().__init__()
        _check_options(k, shrinkage)
        self.num_users = num_users
        self.num_items = num_items
        self.k = k
        self.shrinkage = float(shrinkage)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.interactions = interaction_matrix(graph)
        neighbours = cosine_neighbours(self.interactions.T.tocsr(), self.k, self.shrinkage)
        # score(u, i) = Σ_j r_uj W[i, j], i.e. R @ Wᵀ.
        self.neighbours_transposed = neighbours.T.tocsr()

    def score_users(self, user_index: Tensor) -> Tensor:
        rows = user_index.cpu().numpy()
        return _to_scores(self.interactions[rows] @ self.neighbours_transposed, user_index)
