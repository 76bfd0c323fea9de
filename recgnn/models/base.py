"""The scoring interface shared by every model."""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from recgnn.data.graph import BipartiteGraph


def check_embedding_dim(embedding_dim: int) -> int:
    """Raise unless ``model.embedding_dim`` is a positive integer; return it."""
    if isinstance(embedding_dim, bool) or not isinstance(embedding_dim, int) or embedding_dim < 1:
        raise ValueError(
            f"model.embedding_dim must be a positive integer, got {embedding_dim!r}; "
            "for example model.embedding_dim=64"
        )
    return embedding_dim


class Recommender(torch.nn.Module):
    """Base class of every model: scores a batch of users against all items.

    Trainable models learn by BPR in the trainer's epoch loop and implement
    :meth:`pair_scores`. Fitted models (``is_trainable = False``) compute
    everything in :meth:`fit` and skip the epoch loop.
    """

    is_trainable: ClassVar[bool] = True

    def fit(self, graph: BipartiteGraph) -> None:
        """Attach the training graph; fitted models also compute their scores here."""
        self.graph = graph

    def prepare_scoring(self) -> None:
        """Compute whatever :meth:`score_users` reuses across user batches (e.g. embeddings)."""

    def score_users(self, user_index: Tensor) -> Tensor:
        """Return the scores of the given users against every item.

        Shapes:
            - ``user_index``: ``(batch,)``
            - output: ``(batch, num_items)``
        """
        raise NotImplementedError

    def pair_scores(
        self, user_index: Tensor, pos_index: Tensor, neg_index: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Return positive scores, negative scores and the L2 penalty of one BPR batch.

        The penalty is ``0.5 * sum of squared layer-0 parameters`` used by the
        batch, divided by the batch size.
        """
        raise NotImplementedError(f"{type(self).__name__} is not trainable")


class PropagationRecommender(Recommender):
    """Base class of models that score by the dot product of propagated node embeddings.

    Subclasses implement :meth:`propagate`, returning the final embeddings of
    all nodes (users first, then items). Evaluation propagates once and reuses
    the result for every user batch until training resumes.
    """

    num_users: int

    def __init__(self) -> None:
        super().__init__()
        self._final: Tensor | None = None

    def propagate(self) -> Tensor:
        """Return the final embeddings of all ``num_users + num_items`` nodes."""
        raise NotImplementedError

    def prepare_scoring(self) -> None:
        with torch.no_grad():
            self._final = self.propagate()

    def score_users(self, user_index: Tensor) -> Tensor:
        if self._final is None:
            self.prepare_scoring()
        users = self._final[user_index]
        return users @ self._final[self.num_users :].T

    def train(self, mode: bool = True) -> PropagationRecommender:
        # Cached embeddings go stale as soon as training resumes.
        self._final = None
        return super().train(mode)
