"""The user–item training graph and its symmetric-normalized adjacency."""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import scipy.sparse
import torch
from torch import Tensor
from torch_geometric.data import Data

from recgnn.data.interactions import Interactions


class BipartiteGraph:
    """Training interactions as a bipartite graph over ``num_users + num_items`` nodes.

    Users are nodes ``0 .. num_users - 1`` and item ``i`` is node
    ``num_users + i``. Every edge is stored in both directions. Built from
    the training split only, so no validation or test pair is ever an edge.

    Args:
        user_index: User of each training edge.
        item_index: Item of each training edge.
        num_users: Users in the catalogue (including ones with no edge).
        num_items: Items in the catalogue (including ones with no edge).

    Shapes:
        - ``user_index``, ``item_index``: ``(num_edges,)``
        - ``edge_index``: ``(2, 2 * num_edges)``
    """

    def __init__(self, user_index: Tensor, item_index: Tensor, num_users: int, num_items: int):
        self.user_index = user_index.long()
        self.item_index = item_index.long()
        self.num_users = int(num_users)
        self.num_items = int(num_items)

    @classmethod
    def from_interactions(cls, train: Interactions) -> BipartiteGraph:
        # Duplicate pairs would count twice in the degrees, so collapse them here too.
        keys = np.unique(train.pair_keys())
        return cls(
            torch.from_numpy(keys // train.num_items),
            torch.from_numpy(keys % train.num_items),
            train.num_users,
            train.num_items,
        )

    @property
    def num_nodes(self) -> int:
        return self.num_users + self.num_items

    @property
    def num_edges(self) -> int:
        return int(self.user_index.numel())

    @cached_property
    def user_degree(self) -> Tensor:
        return torch.bincount(self.user_index, minlength=self.num_users)

    @cached_property
    def item_degree(self) -> Tensor:
        return torch.bincount(self.item_index, minlength=self.num_items)

    @cached_property
    def edge_index(self) -> Tensor:
        item_node = self.item_index + self.num_users
        return torch.stack(
            [torch.cat([self.user_index, item_node]), torch.cat([item_node, self.user_index])]
        )

    def to_pyg(self) -> Data:
        """Return a PyG ``Data`` view (homogeneous, items offset by ``num_users``)."""
        return Data(edge_index=self.edge_index, num_nodes=self.num_nodes)

    @cached_property
    def normalized_adjacency(self) -> Tensor:
        """Â = D^-1/2 A D^-1/2 as a sparse CSR matrix, built once and cached.

        Each edge (u, i) gets ``1 / sqrt(deg(u) * deg(i))``. Nodes with no edge
        have an all-zero row, and a pair given twice counts twice in the
        degrees and the entry. Built from the edge list in ``O(E + N)`` with
        no dense intermediate: SciPy's COO-to-CSR conversion is a counting
        sort, several times faster than sorting the entries.

        The indices are ``int32`` while the entries fit, because torch's CPU
        sparse product (MKL) converts ``int64`` indices to ``int32`` on every
        call otherwise.
        """
        degree = torch.cat([self.user_degree, self.item_degree]).double()
        inv_sqrt = torch.where(degree > 0, degree.rsqrt(), torch.zeros_like(degree))
        row, col = self.edge_index
        values = (inv_sqrt[row] * inv_sqrt[col]).float()
        matrix = scipy.sparse.coo_matrix(
            (values.numpy(), (row.numpy(), col.numpy())), shape=(self.num_nodes, self.num_nodes)
        ).tocsr()
        matrix.sum_duplicates()
        index_dtype = np.int32 if matrix.nnz < np.iinfo(np.int32).max else np.int64
        with warnings.catch_warnings():
            # torch warns that sparse CSR is a beta feature; nothing the user can act on.
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
            return torch.sparse_csr_tensor(
                torch.from_numpy(matrix.indptr.astype(index_dtype, copy=False)),
                torch.from_numpy(matrix.indices.astype(index_dtype, copy=False)),
                torch.from_numpy(matrix.data),
                (self.num_nodes, self.num_nodes),
                # SciPy's canonical CSR (sorted, no duplicates) meets torch's invariants.
                check_invariants=False,
            )

    @cached_property
    def user_item_csr(self) -> tuple[Tensor, Tensor]:
        """Return ``(indptr, items)``: each user's training items in CSR layout."""
        order = torch.argsort(self.user_index * self.num_items + self.item_index)
        indptr = torch.zeros(self.num_users + 1, dtype=torch.long)
        indptr[1:] = torch.cumsum(self.user_degree, 0)
        return indptr, self.item_index[order]
