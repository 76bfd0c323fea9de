"""The BPR loss stays finite at any score gap and dtype, and a non-finite loss stops training.

With s_pos = -100 and s_neg = +100 in float32 the loss is softplus(200) = 200
with gradients -1 and +1. Written as -log(sigmoid(x)) it would be inf, with NaN
gradients.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recgnn.tracking.base import Tracker
from recgnn.training.loss import bpr_loss
from tests.cases.builders import TRAINABLE_VARIANTS, build_variant, fit_briefly
from tests.factories import random_prepared

# Score gaps s_neg - s_pos, far past where sigmoid saturates in every dtype.
GAPS = [-6e4, -1e4, -200.0, -90.0, -30.0, -1.0, 0.0, 0.5, 17.0, 89.0, 200.0, 1e4, 6e4]
# Relative error allowed per dtype (bfloat16 keeps 8 bits of mantissa).
TOLERANCE = {torch.float64: 1e-12, torch.float32: 1e-6, torch.bfloat16: 1e-2,
             torch.float16: 2e-3}  # fmt: skip


def reference_loss(gap: float) -> float:
    """softplus(gap) = log(1 + e^gap), evaluated without overflow in float64."""
    return max(gap, 0.0) + math.log1p(math.exp(-abs(gap)))


def test_hand_case_in_float32():
    pos = torch.tensor([-100.0], requires_grad=True)
    neg = torch.tensor([100.0], requires_grad=True)
    loss = bpr_loss(pos, neg)
    loss.backward()
    assert (loss.item(), pos.grad.item(), neg.grad.item()) == (200.0, -1.0, 1.0)


@pytest.mark.parametrize("dtype", list(TOLERANCE), ids=str)
@pytest.mark.parametrize("gap", GAPS)
def test_loss_exact_at_every_gap(dtype, gap):
    # One pair per offset: the same gap at small and at large absolute scores.
    offsets = torch.tensor([0.0, -gap / 2, 3.0], dtype=torch.float64)
    pos = offsets.to(dtype).detach().requires_grad_()
    neg = (offsets + gap).to(dtype).detach().requires_grad_()
    loss = bpr_loss(pos, neg)
    loss.backward()

    gaps = (neg.detach() - pos.detach()).double()  # the gap as the dtype represents it
    expected = float(np.mean([reference_loss(g) for g in gaps.tolist()]))
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(expected, rel=TOLERANCE[dtype], abs=TOLERANCE[dtype])
    expected_grad = torch.sigmoid(gaps) / len(gaps)
    for grad, sign in ((pos.grad, -1), (neg.grad, 1)):
        assert torch.isfinite(grad).all()
        torch.testing.assert_close(grad.double(), sign * expected_grad,
                                   rtol=TOLERANCE[dtype] * 10, atol=1e-6)  # fmt: skip


class RecordingTracker(Tracker):
    def __init__(self):
        self.logged: list[dict] = []

    def log_metrics(self, metrics, step):
        self.logged.append(dict(metrics))


@pytest.mark.parametrize("variant", TRAINABLE_VARIANTS)
@pytest.mark.parametrize("broken", ["nan score", "inf penalty"])
def test_non_finite_loss_stops_training(variant, broken):
    # 12 users x 4 training rows at batch 16 make three steps per epoch. Step 2 of epoch 2 breaks.
    data = random_prepared(num_users=12, num_items=20, per_user=6, seed=1)
    torch.manual_seed(0)
    model = build_variant(variant, data)
    original, calls = model.pair_scores, []

    def breaking_pair_scores(*args):
        pos, neg, penalty = original(*args)
        calls.append(1)
        if len(calls) == 5:
            if broken == "nan score":
                pos = pos * float("nan")
            else:
                penalty = penalty * float("inf")
        return pos, neg, penalty

    model.pair_scores = breaking_pair_scores
    tracker = RecordingTracker()
    with pytest.raises(FloatingPointError, match=r"epoch 2, step 2"):
        fit_briefly(model, data, np.random.default_rng(0), epochs=3, tracker=tracker)
    assert len(tracker.logged) == 1  # only epoch 1 was logged, and it was finite
    assert all(math.isfinite(value) for record in tracker.logged for value in record.values())
