"""The BPR loss stays finite at extreme scores, and training stops on a non-finite loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.lightgcn import LightGCN
from recgnn.tracking.base import Tracker
from recgnn.training.loss import bpr_loss
from recgnn.training.trainer import Trainer
from tests.factories import random_prepared


def test_bpr_loss_finite_at_extreme_scores():
    pos = torch.tensor([-100.0], requires_grad=True)
    neg = torch.tensor([100.0], requires_grad=True)
    loss = bpr_loss(pos, neg)
    loss.backward()
    assert loss.item() == pytest.approx(200.0)
    assert pos.grad.item() == pytest.approx(-1.0)
    assert neg.grad.item() == pytest.approx(1.0)
    assert all(math.isfinite(v) for v in (loss.item(), pos.grad.item(), neg.grad.item()))


def test_bpr_loss_matches_log_sigmoid():
    pos = torch.tensor([0.3, -1.2, 4.0])
    neg = torch.tensor([0.1, 0.5, -2.0])
    expected = -torch.log(torch.sigmoid(pos - neg)).mean()
    assert bpr_loss(pos, neg).item() == pytest.approx(expected.item())


class ExplodingLightGCN(LightGCN):
    """LightGCN whose scores become NaN at the fourth optimizer step (epoch 2, step 1)."""

    calls = 0

    def pair_scores(self, user_index, pos_index, neg_index):
        pos, neg, penalty = super().pair_scores(user_index, pos_index, neg_index)
        ExplodingLightGCN.calls += 1
        if ExplodingLightGCN.calls == 4:
            pos = pos * float("nan")
        return pos, neg, penalty


def test_non_finite_loss_stops_with_epoch_and_step():
    # 20 users x 6 training rows at batch 40: three steps per epoch.
    data = random_prepared(num_users=20, num_items=30, per_user=8, seed=0)
    model = ExplodingLightGCN(data.num_users, data.num_items, embedding_dim=8, num_layers=1)
    logged = []

    class Recording(Tracker):
        def log_metrics(self, metrics, step):
            logged.append(metrics)

    trainer = Trainer(
        model, data, Evaluator(data.num_items, [5]), Recording(), np.random.default_rng(0),
        epochs=3, batch_size=40, monitor="val/ndcg@5", progress_bar=False,
    )  # fmt: skip
    with pytest.raises(FloatingPointError, match=r"epoch 2, step 1"):
        trainer.fit()
    assert len(logged) == 1
    assert all(math.isfinite(v) for record in logged for v in record.values())
