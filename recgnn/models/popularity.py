"""Popularity: every user gets the items with the most training interactions."""

from __future__ import annotations

import torch
from torch import Tensor

from recgnn.data.graph import BipartiteGraph
from recgnn.models.base import Recommender


class Popularity(Recommender):
    """Score each item by its number of training interactions (the sanity floor).

    Args:
        num_users: Users in the catalogue.
        num_items: Items in the catalogue.
    """

    is_trainable = False

    def __init__(self, num_users: int, num_items: int):
        super().__init__()
        self.num_users = num_users
        self.num_items = num_items
        self.register_buffer("item_score", torch.zeros(num_items))

    def fit(self, graph: BipartiteGraph) -> None:
        super().fit(graph)
        self.item_score = graph.item_degree.float()

    def score_users(self, user_index: Tensor) -> Tensor:
        return self.item_score.unsqueeze(0).expand(len(user_index), -1).clone()
