"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution
Network for Recommendation", SIGIR 2020)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn.conv import LGConv

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender


class LightGCN(Recommender):
    r"""LightGCN: linear propagation over the normalized user–item graph.

    .. math::
        E^{(k+1)} = \hat{A} E^{(k)}, \qquad
        E = \frac{1}{L + 1} \sum_{k=0}^{L} E^{(k)}, \qquad
        \hat{y}_{ui} = e_u^\top e_i

    with :math:`\hat{A} = D^{-1/2} A D^{-1/2}` computed once per graph
    (:attr:`BipartiteGraph.normalized_adjacency`) and passed to PyG's
    :class:`~torch_geometric.nn.conv.LGConv` with ``normalize=False``, so no
    step renormalizes it.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        embedding_dim: Size of each embedding (default ``64``).
        num_layers: Propagation layers ``L`` (default ``3``).
        init_std: Standard deviation of the normal initialization (default ``0.1``,
            as in the authors' code).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        embedding_dim: int = 64,
        num_layers: int = 3,
        init_std: float = 0.1,
    ):
        super().__init__()
        if num_layers < 0:
            raise ValueError(f"model.num_layers must be >= 0, got {num_layers}")
        self.num_users = num_users
        self.num_items = num_items
        self.num_layers = num_layers
        self.init_std = init_std

        self.embedding = torch.nn.Embedding(num_users + num_items, embedding_dim)
        self.conv = LGConv(normalize=False)
        self._final: Tensor | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.embedding.weight, std=self.init_std)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.adjacency = graph.normalized_adjacency

    def propagate(self) -> Tensor:
        """Return the final embeddings of all nodes (users first, then items)."""
        adjacency = self.adjacency.to(self.embedding.weight.device)
        layer = self.embedding.weight
        total = layer
        for _ in range(self.num_layers):
            layer = self.conv(layer, adjacency)
            total = total + layer
        return total / (self.num_layers + 1)

    def pair_scores(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        final = self.propagate()
        users = final[user_index]
        pos = final[self.num_users + pos_index]
        neg = final[self.num_users + neg_index]
        layer0 = self.embedding.weight
        penalty = (
            layer0[user_index].pow(2).sum()
            + layer0[self.num_users + pos_index].pow(2).sum()
            + layer0[self.num_users + neg_index].pow(2).sum()
        ) / (2 * len(user_index))
        return (users * pos).sum(-1), (users * neg).sum(-1), penalty

    def prepare_scoring(self) -> None:
        with torch.no_grad():
            self._final = self.propagate()

    def score_users(self, user_index: Tensor) -> Tensor:
        if self._final is None:
            self.prepare_scoring()
        users = self._final[user_index]
        return users @ self._final[self.num_users :].T

    def train(self, mode: bool = True) -> LightGCN:
        # Cached embeddings go stale as soon as training resumes.
        self._final = None
        return super().train(mode)
