"""Full-ranking top-K evaluation in user batches, with seen items masked."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from recgnn.data.interactions import Interactions
from recgnn.evaluation.metrics import METRICS, per_user_metrics
from recgnn.models.base import Recommender

log = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    """Mean metrics (``"recall@20"`` ...), per-user values and the user counts behind them.

    ``num_users_no_train`` counts users with targets but no training
    interaction: they are left out of the means and reported here.
    """

    metrics: dict[str, float]
    user_index: np.ndarray
    per_user: dict[str, np.ndarray] = field(repr=False)
    num_users_evaluated: int = 0
    num_users_no_train: int = 0


def _user_csr(interactions: Interactions, num_users: int) -> tuple[Tensor, Tensor]:
    """Return ``(indptr, items)`` listing each user's items."""
    order = np.lexsort((interactions.item_index, interactions.user_index))
    counts = np.bincount(interactions.user_index, minlength=num_users)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return torch.from_numpy(indptr), torch.from_numpy(interactions.item_index[order])


def _rows_of(csr: tuple[Tensor, Tensor], users: Tensor) -> tuple[Tensor, Tensor]:
    """Return (row position in ``users``, item) for every stored item of the given users."""
    indptr, items = csr
    starts, stops = indptr[users], indptr[users + 1]
    lengths = stops - starts
    row = torch.repeat_interleave(torch.arange(len(users), device=users.device), lengths)
    # Position of each entry inside its user's slice, added to the slice start.
    offset = torch.arange(int(lengths.sum()), device=users.device) - torch.repeat_interleave(
        torch.cumsum(lengths, 0) - lengths, lengths
    )
    return row, items[torch.repeat_interleave(starts, lengths) + offset]


class Evaluator:
    """Rank every item for each user, mask seen items with ``-inf``, score the top K.

    Users are processed ``batch_size`` at a time, so memory holds one
    ``(batch_size, num_items)`` score block, never a users × items matrix.

    Args:
        num_items: Items in the catalogue; every one is a candidate.
        topk: Cut-offs, e.g. ``[10, 20]``.
        batch_size: Users per score block (default ``1024``).
        device: Where scores are computed (the model's device).
    """

    def __init__(
        self,
        num_items: int,
        topk: list[int],
        batch_size: int = 1024,
        device: str | torch.device = "cpu",
    ):
        if not topk or any(int(k) < 1 for k in topk):
            raise ValueError(f"eval.topk must be a list of positive integers, got {list(topk)}")
        if batch_size < 1:
            raise ValueError(f"eval.batch_size must be a positive integer, got {batch_size}")
        self.num_items = num_items
        self.topk = sorted(int(k) for k in topk)
        self.batch_size = int(batch_size)
        self.device = torch.device(device)

    @torch.no_grad()
    def evaluate(
        self, model: Recommender, targets: Interactions, seen: list[Interactions]
    ) -> EvaluationResult:
        """Evaluate ``model`` on ``targets``, masking every item in ``seen``.

        ``seen[0]`` must be the training split: users with no training row are
        counted in ``num_users_no_train`` and left out of the means.
        """
        num_users = targets.num_users
        target_csr = _user_csr(targets, num_users)
        seen_csrs = [_user_csr(part, num_users) for part in seen]
        num_targets = target_csr[0][1:] - target_csr[0][:-1]
        has_train = (seen_csrs[0][0][1:] - seen_csrs[0][0][:-1]) > 0
        users = torch.nonzero((num_targets > 0) & has_train).flatten()
        num_no_train = int(((num_targets > 0) & ~has_train).sum())
        if num_no_train:
            log.info("%d users have targets but no training interaction; skipped", num_no_train)

        model.eval()
        model.prepare_scoring()
        per_user, recommended = self._rank_all(model, users, num_targets, target_csr, seen_csrs)

        merged = {key: torch.cat(parts).numpy() if parts else np.zeros(0)
                  for key, parts in per_user.items()}  # fmt: skip
        metrics = {key: float(values.mean()) if len(values) else 0.0
                   for key, values in merged.items()}  # fmt: skip
        for k in self.topk:
            metrics[f"coverage@{k}"] = int(recommended[k].sum()) / self.num_items
        return EvaluationResult(metrics, users.numpy(), merged, len(users), num_no_train)

    def _rank_all(
        self,
        model: Recommender,
        users: Tensor,
        num_targets: Tensor,
        target_csr: tuple[Tensor, Tensor],
        seen_csrs: list[tuple[Tensor, Tensor]],
    ) -> tuple[dict[str, list[Tensor]], dict[int, Tensor]]:
        """Rank ``users`` batch by batch, returning per-user metrics and the items shown at each K.

        Every lookup structure moves to the device once, so the loop runs no
        CPU index arithmetic on a GPU run.
        """
        max_k = min(self.topk[-1], self.num_items)
        target_keys = _pair_keys(target_csr, self.num_items).to(self.device)
        num_targets = num_targets.to(self.device)
        seen_csrs = [
            (indptr.to(self.device), items.to(self.device)) for indptr, items in seen_csrs
        ]
        per_user = {f"{m}@{k}": [] for m in METRICS for k in self.topk}
        recommended = {k: torch.zeros(self.num_items, dtype=torch.bool, device=self.device)
                       for k in self.topk}  # fmt: skip
        for batch in users.to(self.device).split(self.batch_size):
            top_items, shown = self._rank_batch(model, batch, seen_csrs, max_k)
            hits = _is_target(batch, top_items, target_keys, self.num_items) & shown
            for k in self.topk:
                recommended[k][top_items[:, :k][shown[:, :k]]] = True
                for name, values in per_user_metrics(hits, num_targets[batch], k).items():
                    per_user[f"{name}@{k}"].append(values.cpu())
        return per_user, recommended

    def _rank_batch(
        self,
        model: Recommender,
        batch: Tensor,
        seen_csrs: list[tuple[Tensor, Tensor]],
        max_k: int,
    ) -> tuple[Tensor, Tensor]:
        """Return the top ``max_k`` items of each user in ``batch`` and which of them are unseen.

        A user with fewer than ``max_k`` unseen items gets masked items at the
        end of the list. They are False in the second tensor, so they never
        count as hits or towards coverage.

        Only one ``(len(batch), num_items)`` score block exists at a time: the
        finiteness check is a single reduction over it, and the masking writes
        ``-inf`` into it in place.
        """
        scores = model.score_users(batch).float()
        lowest, highest = torch.aminmax(scores)  # NaN anywhere makes both NaN.
        if not (torch.isfinite(lowest) and torch.isfinite(highest)):
            raise FloatingPointError(
                f"{type(model).__name__} returned NaN or infinite scores; the model diverged, "
                "so lower trainer.lr or check the input data"
            )
        for csr in seen_csrs:
            row, item = _rows_of(csr, batch)
            scores[row, item] = -torch.inf
        top = torch.topk(scores, max_k, dim=1)
        # Scores were checked finite above, so only masked entries are -inf here.
        return top.indices, top.values > -torch.inf


def _pair_keys(csr: tuple[Tensor, Tensor], num_items: int) -> Tensor:
    """Return ``user * num_items + item`` for every stored pair, in ascending order."""
    indptr, items = csr
    users = torch.repeat_interleave(
        torch.arange(len(indptr) - 1, device=indptr.device), indptr[1:] - indptr[:-1]
    )
    # The CSR lists users in order and each user's items sorted, so the keys are sorted.
    return users * num_items + items


def _is_target(users: Tensor, top_items: Tensor, target_keys: Tensor, num_items: int) -> Tensor:
    """Return whether each ranked item is a target of its user, by binary search in the keys.

    A lookup per ranked item replaces a ``(batch, num_items)`` boolean target matrix.
    """
    keys = users[:, None] * num_items + top_items
    if len(target_keys) == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    position = torch.searchsorted(target_keys, keys).clamp_(max=len(target_keys) - 1)
    return target_keys[position] == keys
