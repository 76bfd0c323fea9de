"""Builders shared by the benchmark tests: composed configs and fake finished runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from recgnn.benchmark.grid import BenchJob
from recgnn.benchmark.runner import RESULT_FILE, RunRecord
from recgnn.cli.config_path import config_dir


def compose_bench(*overrides: str) -> DictConfig:
    """Compose conf/bench.yaml with command-line style overrides."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name="bench", overrides=list(overrides))


def fake_job(model: str, seed: int, dataset: str = "toy", **config) -> BenchJob:
    """A job whose config holds only what the report reads."""
    cfg = OmegaConf.create({
        "seed": seed,
        "model": {"name": model},
        "dataset": {"name": dataset, "root": None},
        "split": {"name": "random", "ratios": [0.8, 0.1, 0.1], "seed": 7},
        "trainer": {"epochs": 3, "patience": None, "eval_every": 1, "monitor": "val/ndcg@20",
                    "lr": 0.01, "batch_size": 4, "l2_reg": 0.0, "device": "cpu"},
        "eval": {"topk": [10, 20], "batch_size": 8},
        **config,
    })  # fmt: skip
    return BenchJob(dataset, model, seed, (f"model={model}", f"seed={seed}"), cfg, f"h{seed}")


def write_fake_run(
    run_dir: Path, ndcg_per_user: list[float], train_seconds: float, epochs_run: int
) -> None:
    """Write the files of a finished run: result.json and per_user_test.csv."""
    run_dir.mkdir(parents=True, exist_ok=True)
    ndcg = np.asarray(ndcg_per_user, dtype=float)
    metrics = {f"test/{m}@{k}": float(ndcg.mean()) for m in ("recall", "ndcg") for k in (10, 20)}
    metrics.update({
        "test/coverage@20": 0.5, "val/ndcg@20": float(ndcg.mean()), "best_epoch": epochs_run,
        "epochs_run": epochs_run, "train_seconds": train_seconds, "val_eval_seconds": 0.1,
        "test_eval_seconds": 0.1, "load_seconds": 0.1, "num_parameters": 10,
        "peak_rss_mib": 100.0, "test/num_users": len(ndcg), "test/num_users_no_train": 0,
        "data/num_users": len(ndcg), "data/num_items": 30, "data/density": 0.25,
    })  # fmt: skip
    history = [{"epoch": epoch, "val/ndcg@20": 0.1 * epoch} for epoch in range(1, epochs_run + 1)]
    if epochs_run == 0:
        history = [{"epoch": 0, "val/ndcg@20": 0.2}]
    (run_dir / RESULT_FILE).write_text(json.dumps({"metrics": metrics, "history": history}))
    lines = ["user_index,ndcg@20,recall@20"]
    lines += [f"{user},{value},{value}" for user, value in enumerate(ndcg)]
    (run_dir / "per_user_test.csv").write_text("\n".join(lines) + "\n")


def finished_record(
    job: BenchJob, runs_dir: Path, ndcg_per_user, train_seconds=1.0, epochs_run=3
) -> RunRecord:
    run_dir = job.run_dir(runs_dir)
    write_fake_run(run_dir, ndcg_per_user, train_seconds, epochs_run)
    return RunRecord(job, run_dir, "finished")
