"""Runs started together never share an output folder, in sweeps and in the benchmark harness.

Hydra names output folders after the time to the second, so two sweeps
started in the same second would write into one folder. The shipped config
appends a random per-process suffix. The end-to-end tests freeze Hydra's
clock, so both sweeps really start "in the same second".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from recgnn.cli.config_path import config_dir
from tests.cases.builders import write_log
from tests.wandb_offline import offline_run_config, offline_run_summary, read_records

SUFFIX_SCRIPT = """
from omegaconf import OmegaConf
from recgnn.cli.config_path import register_resolvers
register_resolvers()
paths = OmegaConf.create({"run": "${run_suffix:}", "sweep": "${run_suffix:}"})
print(paths.run, paths.sweep)
"""
# recgnn-train with Hydra's clock stopped at one instant, as if started in the same second.
FROZEN_CLOCK_TRAIN = """
import sys
from datetime import datetime
import hydra.core.utils

class FrozenClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 1, 2, 3, 4, 5)

hydra.core.utils.datetime = FrozenClock
from recgnn.cli.train import main
sys.argv = ["recgnn-train", *sys.argv[1:]]
main()
"""
BENCH = str(Path(sys.executable).parent / "recgnn-bench")


def test_output_folders_end_in_suffix():
    hydra_cfg = yaml.safe_load((Path(config_dir()) / "train.yaml").read_text())["hydra"]
    for folder in (hydra_cfg["run"]["dir"], hydra_cfg["sweep"]["dir"]):
        assert folder.endswith("_${run_suffix:}"), folder


def test_suffix_unique_per_process():
    processes = [
        subprocess.Popen([sys.executable, "-c", SUFFIX_SCRIPT], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    outputs = [process.communicate(timeout=120)[0].split() for process in processes]
    assert all(run == sweep for run, sweep in outputs)  # one folder name per process
    assert len({run for run, _ in outputs}) == 4


@pytest.fixture(scope="module")
def tiny_log(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    keys = rng.choice(25 * 30, size=250, replace=False)
    rows = [(f"u{k // 30}", f"i{k % 30}", 5, t) for t, k in enumerate(keys.tolist())]
    return write_log(tmp_path_factory.mktemp("folders") / "log.csv", rows)


def environment(root: Path) -> dict:
    return {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true",
            "RECGNN_CACHE_DIR": str(root / "cache"), "WANDB_DIR": str(root / "wandb")}  # fmt: skip


@pytest.mark.slow
def test_same_second_sweeps_keep_folders(tmp_path, tiny_log):
    args = ["-m", "model=lightgcn,mf", "model.embedding_dim=8", "trainer.epochs=1",
            "trainer.progress_bar=false", "dataset=file", f"dataset.path={tiny_log}"]  # fmt: skip
    sweeps = [
        subprocess.Popen([sys.executable, "-c", FROZEN_CLOCK_TRAIN, *args, f"seed={seed}"],
                         cwd=tmp_path, env=environment(tmp_path), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for seed in (1, 2)
    ]  # fmt: skip
    for sweep in sweeps:
        output = sweep.communicate(timeout=600)[0]
        assert sweep.returncode == 0, output[-3000:]

    sweep_dirs = sorted((tmp_path / "multirun" / "2026-01-02").iterdir())
    assert len(sweep_dirs) == 2
    assert all(path.name.startswith("03-04-05_") for path in sweep_dirs)
    jobs = sorted(path.parent for path in tmp_path.glob("multirun/*/*/*/metrics.json"))
    assert len(jobs) == 4
    seen = set()
    for job in jobs:
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        config = yaml.safe_load((job / ".hydra" / "config.yaml").read_text())
        metrics = json.loads((job / "metrics.json").read_text())
        seen.add((config["model"]["name"], config["seed"]))
        assert f"seed={config['seed']}" in overrides
        assert f"model={config['model']['name']}" in overrides
        # Each job's W&B run is its own, finished, with its own config and test metrics.
        (run,) = (job / "wandb").glob("offline-run-*")
        assert offline_run_config(run)["model"]["name"] == config["model"]["name"]
        assert offline_run_summary(run)["test/recall@20"] == metrics["test/recall@20"]
        exits = [r for r in read_records(next(run.glob("run-*.wandb")))
                 if r.WhichOneof("record_type") == "exit"]  # fmt: skip
        assert [r.exit.exit_code for r in exits] == [0]
    assert seen == {(model, seed) for model in ("lightgcn", "mf") for seed in (1, 2)}
    run_ids = {next((job / "wandb").glob("offline-run-*")).name.rsplit("-", 1)[1] for job in jobs}
    assert len(run_ids) == 4


@pytest.mark.slow
def test_concurrent_benchmarks_collect_all(tmp_path, tiny_log):
    grid = ["name=together", "datasets=[file]", "models=[pop,itemknn]", "seeds=[1,2]",
            "baseline=pop", f'overrides=["dataset.path={tiny_log}","logger=none"]',
            f"work_dir={tmp_path / 'work'}"]  # fmt: skip
    benches = [
        subprocess.Popen([BENCH, *grid, f"report_dir={tmp_path / name}"], cwd=tmp_path,
                         env=environment(tmp_path), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for name in ("report-a", "report-b")
    ]  # fmt: skip
    outputs = [bench.communicate(timeout=600)[0] for bench in benches]
    for bench, output in zip(benches, outputs, strict=True):
        assert bench.returncode == 0, output[-3000:]

    tables = [pd.read_csv(tmp_path / name / "results.csv") for name in ("report-a", "report-b")]
    for table in tables:
        assert len(table) == 4
        assert (table["status"] == "finished").all()
        assert table["test/recall@20"].notna().all()
    # Both collected the same four runs, and each run was computed once.
    assert tables[0]["run_dir"].tolist() == tables[1]["run_dir"].tolist()
    assert tables[0]["test/recall@20"].tolist() == tables[1]["test/recall@20"].tolist()
    assert len(list((tmp_path / "work" / "runs").glob("*/*/*/result.json"))) == 4
    assert sum(output.count(": running in ") for output in outputs) == 4
