"""NGCF (Wang et al., "Neural Graph Collaborative Filtering", SIGIR 2019)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import PropagationRecommender, check_embedding_dim


class NGCF(PropagationRecommender):
    r"""NGCF: graph convolution with feature transforms and a bi-interaction term.

    Each layer (the matrix form of the paper's embedding propagation) is

    .. math::
        E^{(l+1)} = \mathrm{LeakyReLU}\big((\hat{A} + I) E^{(l)} W_1^{(l)}
                    + (\hat{A} E^{(l)}) \odot E^{(l)} W_2^{(l)}\big)

    with :math:`\hat{A} = D^{-1/2} A D^{-1/2}`, followed by message dropout
    and L2 normalization. The final embedding concatenates the layers
    (layer aggregation), :math:`e = [e^{(0)} \| \dots \| e^{(L)}]`, and
    :math:`\hat{y}_{ui} = e_u^\top e_i`.

    PyG has no NGCF layer, so the layer is written here with one sparse
    product per layer. NOTE: the paper's optional node dropout (dropping
    whole nodes from the adjacency) is not implemented; the authors' code
    leaves it off by default.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        embedding_dim: Size of the layer-0 embeddings (default ``64``).
        layer_dims: Output size of each propagation layer (default ``[64, 64, 64]``).
        message_dropout: Dropout on each layer's output during training (default ``0.1``).
        negative_slope: Slope of the LeakyReLU (default ``0.2``, as in the authors' code).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
        - final embeddings: ``(num_users + num_items, embedding_dim + sum(layer_dims))``
    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        embedding_dim: int = 64,
        layer_dims: list[int] | None = None,
        message_dropout: float = 0.1,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        check_embedding_dim(embedding_dim)
        layer_dims = [64, 64, 64] if layer_dims is None else list(layer_dims)
        if any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in layer_dims):
            raise ValueError(
                f"model.layer_dims must be a list of positive integers, got {layer_dims}; "
                "for example model.layer_dims=[64,64,64]"
            )
        if not 0.0 <= message_dropout < 1.0:
            raise ValueError(f"model.message_dropout must be in [0, 1), got {message_dropout}")
        self.num_users = num_users
        self.num_items = num_items
        self.message_dropout = message_dropout
        self.negative_slope = negative_slope

        self.embedding = torch.nn.Embedding(num_users + num_items, embedding_dim)
        dims = [embedding_dim, *layer_dims]
        self.sum_transforms = torch.nn.ModuleList(
            torch.nn.Linear(dims[i], dims[i + 1]) for i in range(len(layer_dims))
        )
        self.interaction_transforms = torch.nn.ModuleList(
            torch.nn.Linear(dims[i], dims[i + 1]) for i in range(len(layer_dims))
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # Xavier initialization for embeddings and weights, as in the authors' code.
        torch.nn.init.xavier_uniform_(self.embedding.weight)
        for linear in [*self.sum_transforms, *self.interaction_transforms]:
            torch.nn.init.xavier_uniform_(linear.weight)
            torch.nn.init.zeros_(linear.bias)

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.adjacency = graph.normalized_adjacency

    def propagate(self) -> Tensor:
        """Return the final (concatenated) embeddings, users first, then items."""
        adjacency = self.adjacency.to(self.embedding.weight.device)
        layer = self.embedding.weight
        layers = [layer]
        for sum_transform, interaction_transform in zip(
            self.sum_transforms, self.interaction_transforms, strict=True
        ):
            neighbours = adjacency @ layer
            layer = F.leaky_relu(
                sum_transform(neighbours + layer) + interaction_transform(neighbours * layer),
                self.negative_slope,
            )
            layer = F.dropout(layer, self.message_dropout, self.training)
            layers.append(F.normalize(layer, p=2, dim=1))
        return torch.cat(layers, dim=1)

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
