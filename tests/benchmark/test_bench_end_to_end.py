"""recgnn-bench end to end on ML-100K: report, W&B runs, failures, reuse and reproducibility.

One tiny grid (pop and a one-epoch LightGCN) runs through the installed
console script. The same grid then runs again in the same working folder, where
everything is reused, and in a fresh one, where everything is recomputed. A
grid that adds a failing MF run reuses the finished runs and reports the failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from recgnn.benchmark.collect import is_measured
from recgnn.benchmark.compare import compare_results
from recgnn.benchmark.harness import run_benchmark
from tests.benchmark.helpers import compose_bench
from tests.conftest import shared_data_dir
from tests.wandb_offline import read_records

pytestmark = pytest.mark.slow

BENCH = str(Path(sys.executable).parent / "recgnn-bench")
GRID = [
    "name=tinybench",
    "models=[pop,lightgcn]",
    "seeds=[1]",
    "baseline=pop",
    'overrides=["trainer.epochs=1","trainer.eval_every=1"]',
    '+model_overrides.lightgcn=["model.num_layers=1","model.embedding_dim=16"]',
]
# MF fails while its trainer is built, before the pop run that follows it (without W&B,
# which only slows the failure down).
FAILING_GRID = [
    *GRID[:1], "models=[mf,pop,lightgcn]", *GRID[2:],
    '+model_overrides.mf=["trainer.batch_size=0","logger=none"]',
]  # fmt: skip


def folders(root: Path) -> list[str]:
    return [f"work_dir={root / 'work'}", f"report_dir={root / 'report'}"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("bench-env")
    values = {
        "RECGNN_DATA_DIR": str(shared_data_dir()),
        "RECGNN_CACHE_DIR": str(scratch / "processed-cache"),
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_CACHE_DIR": str(scratch / "wandb-cache"),
        "WANDB_CONFIG_DIR": str(scratch / "wandb-config"),
        "WANDB_DATA_DIR": str(scratch / "wandb-data"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield values


@pytest.fixture(scope="module")
def first(tmp_path_factory, environment):
    root = tmp_path_factory.mktemp("first")
    done = subprocess.run(
        [BENCH, *GRID, *folders(root)], cwd=root, env=os.environ.copy(),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root


def accuracy_columns(table: pd.DataFrame) -> pd.DataFrame:
    return table[[column for column in table.columns if not is_measured(column)]]


def test_report_folder_written(first):
    report = first / "report"

    text = (report / "report.md").read_text()
    for name in ("results.csv", "summary.csv", "bars_ml-100k.png", "curves_ml-100k.png",
                 "accuracy_time_ml-100k.png"):  # fmt: skip
        assert (report / name).is_file(), name
    assert "recgnn-bench name=tinybench 'models=[pop,lightgcn]'" in text
    assert "| ml-100k | 943 | 1,682 |" in text


def test_failed_run_reported_and_grid_goes_on(first, environment, tmp_path):
    config = compose_bench(*FAILING_GRID, f"work_dir={first / 'work'}",
                           f"report_dir={tmp_path / 'report'}")  # fmt: skip

    outcome = run_benchmark(config, "with a failing run")

    results = pd.read_csv(tmp_path / "report" / "results.csv")
    text = (tmp_path / "report" / "report.md").read_text()
    assert results["model"].tolist() == ["mf", "pop", "lightgcn"]
    assert results["status"].tolist() == ["failed", "finished", "finished"]
    assert [record.reused for record in outcome.records] == [False, True, True]
    assert "trainer.batch_size must be a positive integer" in results.loc[0, "error"]
    assert "trainer.batch_size must be a positive integer" in text
    assert (first / "work" / results.loc[0, "run_dir"] / "run.log").is_file()


def test_every_metric_and_cost_collected(first):
    row = pd.read_csv(first / "report" / "results.csv").set_index("model").loc["lightgcn"]

    for metric in ("recall", "precision", "hit", "ndcg", "mrr", "map", "coverage"):
        for k in (10, 20):
            assert 0 <= row[f"test/{metric}@{k}"] <= 1
    assert row["best_epoch"] == 1
    assert row["train_seconds_per_epoch"] > 0
    assert row["test_eval_seconds"] > 0
    assert row["peak_rss_mib"] > 50
    assert row["num_parameters"] == (943 + 1682) * 16
    assert (first / "work" / row["run_dir"] / "per_user_test.csv").is_file()


def test_each_run_its_own_wandb_run(first):
    run_ids = set()
    for job_dir in sorted((first / "work" / "runs" / "ml-100k").glob("[lp]*/seed1-*")):
        offline = list((job_dir / "wandb").glob("offline-run-*"))
        assert len(offline) == 1, job_dir
        run = next(r.run for r in read_records(next(offline[0].glob("run-*.wandb")))
                   if r.WhichOneof("record_type") == "run")  # fmt: skip
        assert run.run_group == "tinybench"
        assert run.display_name == f"ml-100k/{job_dir.parent.name}/seed1"
        run_ids.add(run.run_id)
    assert len(run_ids) == 2


def test_rerun_reuses_every_run(first, environment):
    metrics_files = sorted((first / "work" / "runs").rglob("metrics.json"))
    stamps = [path.stat().st_mtime_ns for path in metrics_files]

    outcome = run_benchmark(compose_bench(*GRID, *folders(first)), "rerun")

    assert all(record.reused for record in outcome.records)
    assert [path.stat().st_mtime_ns for path in metrics_files] == stamps
    assert [record.status for record in outcome.records] == ["finished", "finished"]


def test_fresh_rerun_gives_identical_numbers(first, environment, tmp_path):
    run_benchmark(compose_bench(*GRID, *folders(tmp_path)), "fresh")

    before = pd.read_csv(first / "report" / "results.csv")
    after = pd.read_csv(tmp_path / "report" / "results.csv")
    assert after["status"].tolist() == ["finished", "finished"]
    assert (
        compare_results(first / "report" / "results.csv", tmp_path / "report" / "results.csv")
        == []
    )
    pd.testing.assert_frame_equal(accuracy_columns(before), accuracy_columns(after),
                                  check_exact=True)  # fmt: skip
