"""Trainer behaviour: seeding, early stopping, fitted models, bad settings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.lightgcn import LightGCN
from recgnn.models.popularity import Popularity
from recgnn.tracking.base import Tracker
from recgnn.training.seed import seed_everything
from recgnn.training.trainer import Trainer
from tests.factories import random_prepared


def make_trainer(seed: int, epochs: int = 2, **options) -> Trainer:
    data = random_prepared(num_users=30, num_items=40, per_user=10, seed=0)
    rng = seed_everything(seed)
    model = LightGCN(data.num_users, data.num_items, embedding_dim=8, num_layers=2)
    options = {"batch_size": 64, "eval_every": 1, "progress_bar": False, **options}
    return Trainer(model, data, Evaluator(data.num_items, [5, 20]), Tracker(), rng,
                   epochs=epochs, **options)  # fmt: skip


def first_batch(trainer: Trainer) -> list[torch.Tensor]:
    trainer.model.fit(trainer.data.graph)
    return list(next(trainer.epoch_batches()))


def test_same_seed_same_run():
    runs = [make_trainer(seed=7) for _ in range(2)]
    batches = [first_batch(run) for run in runs]
    for left, right in zip(*batches, strict=True):
        assert torch.equal(left, right)
    runs = [make_trainer(seed=7) for _ in range(2)]
    results = [run.fit() for run in runs]
    assert [r["train/loss"] for r in results[0].history] == [
        r["train/loss"] for r in results[1].history
    ]
    assert results[0].history[-1] == results[1].history[-1]


def test_different_seed_different_first_batch():
    first = first_batch(make_trainer(seed=7))
    second = first_batch(make_trainer(seed=8))
    assert not all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_first_batch_has_no_training_positive_as_negative():
    trainer = make_trainer(seed=3)
    users, _, negatives = first_batch(trainer)
    assert not trainer.sampler.is_positive(users.numpy(), negatives.numpy()).any()


def test_best_state_restored_after_early_stop():
    trainer = make_trainer(seed=1, epochs=30, patience=2, lr=0.05)
    result = trainer.fit()
    assert result.best_epoch >= 1
    best = next(r for r in result.history if r["epoch"] == result.best_epoch)
    split = trainer.data.split
    again = trainer.evaluator.evaluate(trainer.model, split.valid, [split.train])
    assert again.metrics["ndcg@20"] == pytest.approx(best["val/ndcg@20"])
    assert max(r.get("val/ndcg@20", -1) for r in result.history) == best["val/ndcg@20"]


def test_fitted_model_skips_epoch_loop():
    data = random_prepared(num_users=10, num_items=20, per_user=6, seed=0)
    model = Popularity(data.num_users, data.num_items)
    trainer = Trainer(model, data, Evaluator(data.num_items, [20]), Tracker(),
                      np.random.default_rng(0), progress_bar=False)  # fmt: skip
    result = trainer.fit()
    assert result.epochs_run == 0
    assert "val/ndcg@20" in result.history[0]


@pytest.mark.parametrize("option", ["epochs", "batch_size", "eval_every"])
def test_non_positive_settings_rejected(option):
    with pytest.raises(ValueError, match=f"trainer.{option} must be a positive integer"):
        make_trainer(seed=0, **{option: 0})


def test_unknown_monitor_rejected_before_training():
    with pytest.raises(ValueError, match="trainer.monitor='val/ndcg@7'"):
        make_trainer(seed=0, monitor="val/ndcg@7")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": -1.0}, r"trainer.lr must be a positive number, got -1.0; for example trainer.lr="),
        ({"lr": 0}, r"trainer.lr must be a positive number, got 0"),
        ({"l2_reg": "abc"}, r"trainer.l2_reg must be a non-negative number, got 'abc'"),
        ({"l2_reg": -1e-4}, r"trainer.l2_reg must be a non-negative number"),
    ],
)
def test_bad_rates_rejected_with_config_path(options, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(seed=1, **options)


def test_unknown_monitor_message_gives_fix():
    with pytest.raises(
        ValueError,
        match=r"Add its cut-off to eval.topk .* "
        r"e.g. trainer.monitor=val/ndcg@20$",
    ):
        make_trainer(seed=1, monitor="val/ndcg@50")
