"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution
Network for Recommendation", SIGIR 2020)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import PropagationRecommender, check_embedding_dim
from recgnn.models.propagation import layer_mean_propagation


class LightGCN(PropagationRecommender):
    r"""LightGCN: linear propagation over the normalized user–item graph.

    .. math::
        E^{(k+1)} = \hat{A} E^{(k)}, \qquad
        E = \frac{1}{L + 1} \sum_{k=0}^{L} E^{(k)}, \qquad
        \hat{y}_{ui} = e_u^\top e_i

    with :math:`\hat{A} = D^{-1/2} A D^{-1/2}` computed once per graph
    (:attr:`BipartiteGraph.normalized_adjacency`), so no step renormalizes
    it. The propagation runs through :class:`LayerMeanPropagation`, whose
    backward pass multiplies by the symmetric ``Â`` itself instead of
    building its transpose on every step.

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
        check_embedding_dim(embedding_dim)
        if num_layers < 0:
            raise ValueError(f"model.num_layers must be >= 0, got {num_layers}")
        self.num_users = num_users
        self.num_items = num_items
        self.num_layers = num_layers
        self.init_std = init_std

        self.embedding = torch.nn.Embedding(num_users + num_items, embedding_dim)
        # Not persistent: the graph comes from the data, not the checkpoint, and
        # as a buffer it follows model.to(device).
        self.register_buffer("adjacency", None, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.embedding.weight, std=self.init_std)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        weight = self.embedding.weight
        self.adjacency = graph.normalized_adjacency.to(device=weight.device, dtype=weight.dtype)

    def propagate(self) -> Tensor:
        """Return the final embeddings of all nodes (users first, then items)."""
        if self.adjacency is None:
            raise RuntimeError("LightGCN.fit(graph) must be called before propagating")
        return layer_mean_propagation(self.embedding.weight, self.adjacency, self.num_layers)

    def pair_scores(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        # One gather per table: the backward pass of each gather writes a
        # (num_nodes, embedding_dim) gradient, so three gathers would cost three.
        nodes = torch.cat([user_index, pos_index + self.num_users, neg_index + self.num_users])
        users, pos, neg = F.embedding(nodes, self.propagate()).split(len(user_index))
        penalty = self.embedding(nodes).pow(2).sum() / (2 * len(user_index))
        return (users * pos).sum(-1), (users * neg).sum(-1), penalty
