"""Matrix factorization trained by BPR (Rendle et al., "BPR: Bayesian Personalized
Ranking from Implicit Feedback", UAI 2009)."""

from __future__ import annotations

import torch
from torch import Tensor

from recgnn.models.base import Recommender


class MF(Recommender):
    r"""Matrix factorization: one embedding per user and item, scored by dot product.

    .. math::
        \hat{y}_{ui} = e_u^\top e_i

    Trained by BPR in the trainer, like LightGCN with zero propagation
    layers, so the two differ only in the graph convolution.

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
        embedding_dim: Size of each embedding (default ``64``).
        init_std: Standard deviation of the normal initialization (default ``0.1``).

    Shapes:
        - ``score_users``: ``(batch,)`` users to ``(batch, num_items)`` scores
    """

    def __init__(
        self, num_users: int, num_items: int, embedding_dim: int = 64, init_std: float = 0.1
    ):
        super().__init__()
        if embedding_dim < 1:
            raise ValueError(f"model.embedding_dim must be >= 1, got {embedding_dim}")
        self.num_users = num_users
        self.num_items = num_items
        self.init_std = init_std

        self.user_embedding = torch.nn.Embedding(num_users, embedding_dim)
        self.item_embedding = torch.nn.Embedding(num_items, embedding_dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.normal_(self.user_embedding.weight, std=self.init_std)
        torch.nn.init.normal_(self.item_embedding.weight, std=self.init_std)

    def pair_scores(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        users = self.user_embedding(user_index)
        pos = self.item_embedding(pos_index)
        neg = self.item_embedding(neg_index)
        penalty = (users.pow(2).sum() + pos.pow(2).sum() + neg.pow(2).sum()) / (
            2 * len(user_index)
        )
        return (users * pos).sum(-1), (users * neg).sum(-1), penalty

    def score_users(self, user_index: Tensor) -> Tensor:
        return self.user_embedding(user_index) @ self.item_embedding.weight.T
