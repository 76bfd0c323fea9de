"""``recgnn-train`` end to end, as a user runs it: the installed console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from tests.wandb_offline import offline_run_config, offline_run_summary

TRAIN = str(Path(sys.executable).parent / "recgnn-train")


def run_train(args: list[str], cwd: Path, data_dir: Path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "RECGNN_DATA_DIR": str(data_dir), "WANDB_MODE": "offline",
                   "WANDB_SILENT": "true", **env}  # fmt: skip
    return subprocess.run(
        [TRAIN, "trainer.progress_bar=false", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.mark.slow
def test_lightgcn_end_to_end_with_offline_wandb(tmp_path, data_dir):
    run_dir = tmp_path / "run"
    done = run_train(
        ["trainer.epochs=3", "trainer.eval_every=1", f"hydra.run.dir={run_dir}"],
        tmp_path, data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in ("test/recall@20", "test/ndcg@20", "test/precision@10", "test/hit@10",
                "test/mrr@20", "val/ndcg@20", "best_epoch", "train_seconds"):  # fmt: skip
        assert key in metrics, key
    assert 0.0 < metrics["test/recall@20"] < 1.0
    assert 1 <= metrics["best_epoch"] <= 3
    assert metrics["test/num_users"] == 943

    checkpoint = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    assert checkpoint["config"]["model"]["name"] == "lightgcn"
    assert len(checkpoint["user_ids"]) == 943
    assert len(checkpoint["item_ids"]) == 1682
    per_user = (run_dir / "per_user_test.csv").read_text().splitlines()
    assert per_user[0].startswith("user_index,user_id,")
    assert len(per_user) == 1 + 943
    assert checkpoint["best_epoch"] == metrics["best_epoch"]

    wandb_runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(wandb_runs) == 1
    summary = offline_run_summary(wandb_runs[0])
    assert summary["test/recall@20"] == pytest.approx(metrics["test/recall@20"])
    assert summary["test/ndcg@20"] == pytest.approx(metrics["test/ndcg@20"])
    assert "train/loss" not in summary or summary["train/loss"] > 0
    assert offline_run_config(wandb_runs[0])["model"]["name"] == "lightgcn"


def test_override_selects_popularity_and_topk(tmp_path, data_dir):
    run_dir = tmp_path / "run"
    done = run_train(
        ["model=pop", "eval.topk=[5]", "trainer.monitor=val/ndcg@5", "logger=none",
         f"hydra.run.dir={run_dir}"],
        tmp_path, data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["num_parameters"] == 0
    assert metrics["best_epoch"] == 0
    assert "test/recall@5" in metrics
    assert "test/recall@20" not in metrics
    assert not (run_dir / "wandb").exists()
    overrides = (run_dir / ".hydra" / "overrides.yaml").read_text()
    assert "model=pop" in overrides


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model=nope", "Could not find 'model/nope'"),
        ("model.nope=1", "Key 'nope' is not in struct"),
        ("trainer.epochs=0", "trainer.epochs must be a positive integer, got 0"),
        ("split.ratios=[0.5,0.2,0.2]", r"must sum to 1 \(they sum to 0.9\)"),
        ("trainer.device=tpu", "invalid trainer.device='tpu'"),
        ("eval.topk=[5]", r"trainer.monitor='val/ndcg@20' is not a validation metric"),
    ],
)
def test_invalid_config_fails_with_message(tmp_path, data_dir, override, message):
    done = run_train([override, "logger=none", f"hydra.run.dir={tmp_path / 'run'}"],
                     tmp_path, data_dir)  # fmt: skip
    assert done.returncode != 0
    assert re.search(message, done.stderr + done.stdout), done.stderr[-2000:]


@pytest.mark.slow
def test_concurrent_sweeps_get_separate_folders_and_wandb_runs(tmp_path, data_dir):
    environment = {**os.environ, "RECGNN_DATA_DIR": str(data_dir), "WANDB_MODE": "offline",
                   "WANDB_SILENT": "true"}  # fmt: skip
    args = ["-m", "model=lightgcn,pop", "trainer.epochs=1", "trainer.progress_bar=false"]
    sweeps = [
        subprocess.Popen([TRAIN, *args, f"seed={seed}"], cwd=tmp_path, env=environment,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for seed in (1, 2)
    ]  # fmt: skip
    for sweep in sweeps:
        _, stderr = sweep.communicate(timeout=600)
        assert sweep.returncode == 0, stderr[-3000:]

    job_dirs = sorted(path.parent for path in tmp_path.glob("multirun/*/*/*/metrics.json"))
    assert len(job_dirs) == 4
    assert len(set(job_dirs)) == 4
    wandb_ids = set()
    for job_dir in job_dirs:
        config = yaml.safe_load((job_dir / ".hydra" / "config.yaml").read_text())
        metrics = json.loads((job_dir / "metrics.json").read_text())
        runs = list((job_dir / "wandb").glob("offline-run-*"))
        assert len(runs) == 1, job_dir
        wandb_ids.add(runs[0].name.rsplit("-", 1)[-1])
        summary = offline_run_summary(runs[0])
        assert summary["test/recall@20"] == pytest.approx(metrics["test/recall@20"])
        assert offline_run_config(runs[0])["seed"] == config["seed"]
    assert len(wandb_ids) == 4
