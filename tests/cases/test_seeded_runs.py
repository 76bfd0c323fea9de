"""The same seed repeats a run exactly, for every trainable model and through the pipeline.

Identical means: the first (user, positive, negative) batch, every per-epoch
loss and validation metric, the final parameters and the test metrics. A
different seed changes at least the first batch. Negatives are drawn in the
main process and GraphSAGE samples neighbourhoods there too (the loader has no
worker processes), so the one seeded generator decides every draw.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import torch

from recgnn.evaluation.evaluator import Evaluator
from recgnn.tracking.base import Tracker
from recgnn.training.pipeline import train_and_evaluate
from recgnn.training.seed import seed_everything
from recgnn.training.trainer import Trainer
from tests.cases.builders import TRAINABLE_VARIANTS, build_variant, compose_train, write_log
from tests.factories import random_prepared

MEASURED = ("_seconds", "_mib")


def seeded_trainer(variant: str, seed: int) -> Trainer:
    """Seed, then build the model and trainer in the pipeline's order."""
    data = random_prepared(num_users=16, num_items=24, per_user=7, seed=0)
    rng = seed_everything(seed)
    model = build_variant(variant, data)
    return Trainer(model, data, Evaluator(data.num_items, [5]), Tracker(), rng, epochs=2,
                   batch_size=16, lr=0.05, eval_every=1, patience=None, monitor="val/ndcg@5",
                   progress_bar=False)  # fmt: skip


def first_batch(variant: str, seed: int) -> list[torch.Tensor]:
    trainer = seeded_trainer(variant, seed)
    trainer.model.fit(trainer.data.graph)
    return list(next(trainer.epoch_batches()))


def fitted_run(variant: str, seed: int) -> tuple[list[dict], dict[str, torch.Tensor]]:
    trainer = seeded_trainer(variant, seed)
    result = trainer.fit()
    return result.history, trainer.model.state_dict()


@pytest.mark.parametrize("variant", TRAINABLE_VARIANTS)
def test_same_seed_repeats_every_trainable_model(variant):
    left, right = first_batch(variant, 7), first_batch(variant, 7)
    assert all(torch.equal(a, b) for a, b in zip(left, right, strict=True))
    other = first_batch(variant, 8)
    assert not all(torch.equal(a, b) for a, b in zip(left, other, strict=True))

    (history, state), (history_again, state_again) = fitted_run(variant, 7), fitted_run(variant, 7)
    assert history == history_again  # losses and validation metrics, exactly
    assert state.keys() == state_again.keys()
    assert all(torch.equal(state[key], state_again[key]) for key in state)


def comparable(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if not key.endswith(MEASURED)}


@pytest.fixture(scope="module")
def tiny_log(tmp_path_factory):
    rng = np.random.default_rng(0)
    keys = rng.choice(30 * 40, size=360, replace=False)
    rows = [(f"u{k // 40}", f"i{k % 40}", 5, t) for t, k in enumerate(keys.tolist())]
    return write_log(tmp_path_factory.mktemp("seeded") / "log.csv", rows)


@pytest.mark.parametrize(
    "model", [["model=mf"], ["model=graphsage", "model.use_features=false", "model.sampling=true",
                             "model.num_neighbors=[3,3]"]], ids=["mf", "graphsage_sampled"]
)  # fmt: skip
def test_pipeline_repeats_after_cache_hit(tmp_path, caplog, tiny_log, model):
    def run(seed: int, name: str):
        cfg = compose_train(
            "dataset=file", f"dataset.path={tiny_log}", *model, "model.embedding_dim=8",
            "trainer.epochs=2", "trainer.eval_every=1", "trainer.batch_size=64",
            "trainer.progress_bar=false", "logger=none", f"seed={seed}",
        )  # fmt: skip
        metrics = train_and_evaluate(cfg, tmp_path / name)
        checkpoint = torch.load(tmp_path / name / "checkpoint.pt", weights_only=False)
        return metrics, checkpoint

    # The first run parses the log, the second loads the processed split from the cache.
    first, first_ckpt = run(7, "a")
    with caplog.at_level(logging.INFO, logger="recgnn.data.datamodule"):
        second, second_ckpt = run(7, "b")
    assert "from the processed-data cache" in caplog.text
    assert comparable(first) == comparable(second)
    assert first_ckpt["history"] == second_ckpt["history"]
    assert all(torch.equal(value, second_ckpt["model_state"][key])
               for key, value in first_ckpt["model_state"].items())  # fmt: skip
    written = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert comparable(written) == comparable(first)

    _, other_ckpt = run(8, "c")
    assert other_ckpt["history"][0]["train/loss"] != first_ckpt["history"][0]["train/loss"]
