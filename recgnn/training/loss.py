"""The BPR loss (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit
Feedback", UAI 2009)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def bpr_loss(pos_scores: Tensor, neg_scores: Tensor) -> Tensor:
    r"""Return the mean of :math:`-\ln \sigma(s^+ - s^-)` over the batch.

    Written as ``softplus(s^- - s^+)``, which is the same function but stays
    finite: ``-log(sigmoid(x))`` underflows to ``log(0) = -inf`` once ``x`` is
    below about -88 in float32. PyG's ``BPRLoss`` uses ``logsigmoid`` (also
    stable) but folds its own L2 term over whole parameters into the loss,
    while LightGCN regularizes only the batch's layer-0 embeddings, so the
    models return that penalty themselves.
    """
    return F.softplus(neg_scores - pos_scores).mean()
