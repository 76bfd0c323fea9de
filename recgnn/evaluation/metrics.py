"""Top-K ranking metrics per user, from a hit matrix.

For a user with test set T and top-K list L (ranks start at 1):

- recall@K = |L ∩ T| / |T|
- precision@K = |L ∩ T| / K
- hit@K = 1 if L ∩ T is non-empty, else 0
- NDCG@K = DCG / IDCG, DCG = Σ_{r ≤ K} rel_r / log2(r + 1), IDCG the same sum
  over the first min(K, |T|) ranks
- MRR@K = 1 / rank of the first hit, 0 if none
- AP@K = Σ_{r ≤ K} precision@r · rel_r / min(K, |T|)
"""

from __future__ import annotations

import torch
from torch import Tensor

METRICS = ("recall", "precision", "hit", "ndcg", "mrr", "map")


def per_user_metrics(hits: Tensor, num_targets: Tensor, k: int) -> dict[str, Tensor]:
    """Return each metric at ``k`` for every user.

    Args:
        hits: Whether the item at each rank is a target; ranks beyond ``k`` are ignored.
        num_targets: ``|T|`` per user, at least 1.
        k: Cut-off.

    Shapes:
        - ``hits``: ``(num_users, >= k)`` (bool)
        - ``num_targets``: ``(num_users,)``
        - each output: ``(num_users,)`` (float64)
    """
    rel = hits[:, :k].double()
    if rel.shape[1] < k:  # Fewer items than k in the catalogue: the missing ranks are misses.
        rel = torch.nn.functional.pad(rel, (0, k - rel.shape[1]))
    num_targets = num_targets.double()
    ranks = torch.arange(1, k + 1, dtype=torch.float64, device=rel.device)
    discount = 1.0 / torch.log2(ranks + 1)

    num_hits = rel.sum(1)
    ideal_length = torch.clamp(num_targets, max=k).long()
    ideal_dcg = torch.cumsum(discount, 0)[ideal_length - 1]
    first_hit = torch.where(num_hits > 0, rel.argmax(1).double() + 1, torch.inf)
    precision_at_rank = torch.cumsum(rel, 1) / ranks
    return {
        "recall": num_hits / num_targets,
        "precision": num_hits / k,
        "hit": (num_hits > 0).double(),
        "ndcg": (rel * discount).sum(1) / ideal_dcg,
        "mrr": 1.0 / first_hit,
        "map": (precision_at_rank * rel).sum(1) / ideal_length.double(),
    }
