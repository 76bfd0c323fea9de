"""EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019)."""

from __future__ import annotations

import logging

import numpy as np
import scipy.linalg
import torch
from torch import Tensor

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender
from recgnn.models.knn import interaction_matrix

log = logging.getLogger(__name__)

# Peak bytes per entry of the items x items matrices while fitting: the sparse
# Gram product (up to 8 for values + 4 for indices) while it becomes a dense float64
# matrix (8). Later steps need less: the Gram matrix and its inverse (8 + 8), then
# the inverse and the float32 weights kept for scoring (8 + 4).
PEAK_BYTES_PER_ENTRY = 20


def ease_memory_bytes(num_items: int) -> int:
    """Return the estimated peak memory of fitting EASE on ``num_items`` items."""
    return PEAK_BYTES_PER_ENTRY * num_items * num_items


class EASE(Recommender):
    r"""EASE: a linear item-item model with a zero diagonal, solved in closed form.

    .. math::
        \hat{B} = \arg\min_B \|X - XB\|_F^2 + \lambda \|B\|_F^2
        \ \text{s.t.}\ \mathrm{diag}(B) = 0, \qquad
        P = (X^\top X + \lambda I)^{-1}, \quad
        \hat{B}_{ij} = -P_{ij} / P_{jj}\ (i \ne j), \qquad
        \hat{y}_u = x_u \hat{B}

    with :math:`X` the binary user-item training matrix. The solution needs
    dense ``num_items x num_items`` matrices, so fitting raises when the
    catalogue has more than ``max_items`` items, before allocating anything.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        l2: The L2 weight :math:`\lambda` (default ``500.0``, the paper's value for
            ML-20M and Netflix).
        max_items: Largest catalogue EASE accepts (default ``30000``: about 17 GiB
            at peak, see :func:`ease_memory_bytes`).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    is_trainable = False

    def __init__(self, num_users: int, num_items: int, l2: float = 500.0, max_items: int = 30000):
        super().__init__()
        if isinstance(l2, bool) or not isinstance(l2, (int, float)) or l2 <= 0:
            raise ValueError(f"model.l2 must be a positive number, got {l2!r}; e.g. model.l2=500")
        if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1:
            raise ValueError(
                f"model.max_items must be a positive integer, got {max_items!r}; "
                "e.g. model.max_items=30000"
            )
        self.num_users = num_users
        self.num_items = num_items
        self.l2 = float(l2)
        self.max_items = max_items
        self.register_buffer("item_weights", torch.zeros(0, 0), persistent=False)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self._check_size(graph.num_items)
        self.interactions = interaction_matrix(graph)
        gram = (self.interactions.T @ self.interactions).toarray()
        gram[np.diag_indices_from(gram)] += self.l2
        precision = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
        del gram
        # Scaled in place, so no third float64 matrix is allocated.
        precision /= -np.diag(precision).copy()[None, :]
        precision[np.diag_indices_from(precision)] = 0.0
        self.item_weights = torch.from_numpy(precision.astype(np.float32))
        log.info("EASE fitted on %d items (l2=%g)", graph.num_items, self.l2)

    def _check_size(self, num_items: int) -> None:
        if num_items > self.max_items:
            needed = ease_memory_bytes(num_items) / 2**30
            raise ValueError(
                f"EASE needs dense {num_items} x {num_items} item matrices, about "
                f"{needed:.1f} GiB at peak, and {num_items} items exceed "
                f"model.max_items={self.max_items}; raise model.max_items (e.g. "
                f"model.max_items={num_items}) if the machine has that memory, or use "
                "model=itemknn, which stores only the sparse neighbour matrix"
            )

    def score_users(self, user_index: Tensor) -> Tensor:
        rows = self.interactions[user_index.cpu().numpy()]
        weights = self.item_weights
        dense_rows = torch.from_numpy(rows.toarray().astype(np.float32)).to(weights.device)
        return dense_rows @ weights
