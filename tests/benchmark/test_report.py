"""Report folder from hand-made runs: tables, relative changes, failures, figures, CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from recgnn.benchmark.collect import results_table, summary_table
from recgnn.benchmark.environment import describe_environment
from recgnn.benchmark.harness import BenchmarkOutcome, check_metric_names, report_outcome
from recgnn.benchmark.runner import RunRecord
from tests.benchmark.helpers import compose_bench, fake_job, finished_record

NUM_USERS = 30
POP_NDCG = [0.2] * NUM_USERS
# LightGCN beats pop on every user: 0.3 per user with seed 1, 0.25 with seed 2.
LIGHTGCN_NDCG = {1: [0.3] * NUM_USERS, 2: [0.25] * NUM_USERS}
BATCH_ERROR = "ValueError: trainer.batch_size must be a positive integer, got 0"


def build_outcome(tmp_path, records) -> BenchmarkOutcome:
    cfg = compose_bench(
        "name=toybench", "models=[pop,lightgcn]", "seeds=[1,2]", "baseline=pop",
        f"work_dir={tmp_path / 'work'}", f"report_dir={tmp_path / 'report'}",
    )  # fmt: skip
    results = results_table(records, tmp_path / "work")
    return BenchmarkOutcome(
        cfg, "recgnn-bench name=toybench", [r.job for r in records], records, results,
        summary_table(results), environment=describe_environment(),
    )  # fmt: skip


def toy_records(tmp_path) -> list[RunRecord]:
    runs = tmp_path / "work" / "runs"
    records = [finished_record(fake_job("pop", s), runs, POP_NDCG, 0.01, 0) for s in (1, 2)]
    records += [finished_record(fake_job("lightgcn", s), runs, LIGHTGCN_NDCG[s], 5.0, 3)
                for s in (1, 2)]  # fmt: skip
    failing = fake_job("mf", 1)
    records.append(RunRecord(failing, failing.run_dir(runs), "failed", error=BATCH_ERROR))
    return records


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # Built once: every test below reads the same report folder.
    folder = tmp_path_factory.mktemp("toybench")
    outcome = build_outcome(folder, toy_records(folder))
    path = report_outcome(outcome, folder / "report")
    return path.read_text(), outcome


def test_main_table_mean_std_and_change(report):
    text, _ = report
    std = np.std([0.3, 0.25], ddof=1)  # 0.03536

    assert f"| `lightgcn` | 2 | 0.2750 ± {std:.4f} | +37.5% |" in text
    assert "| `pop` | 2 | 0.2000 ± 0.0000 | baseline |" in text


def test_paired_test_named_and_marked(report):
    text, outcome = report
    test = outcome.tests["toy"].set_index("model").loc["lightgcn"]

    assert "two-sided Wilcoxon signed-rank test over users" in text
    assert "* marks p < 0.05" in text
    assert test["num_users"] == NUM_USERS
    assert f"| {NUM_USERS} of {NUM_USERS} | {test['p_holm']:.2g} * |" in text


def test_failed_run_listed(report):
    text, outcome = report

    assert "## Failed runs" in text
    assert "trainer.batch_size must be a positive integer" in text
    assert "5 runs: 4 finished" in text
    failed = outcome.results[outcome.results["status"] == "failed"]
    assert failed["model"].tolist() == ["mf"]


def test_protocol_and_environment_pinned(report):
    text, _ = report

    for heading in ("### Data sets", "### Split and masking", "### Training budget",
                    "### Metric definitions", "### Seeds", "## Environment",
                    "## Command and configs"):  # fmt: skip
        assert heading in text
    assert "recgnn-bench name=toybench" in text
    assert "Split seed 7" in text
    assert "NDCG@K = DCG / IDCG" in text
    assert "| commit |" in text
    assert "| torch |" in text


def test_csv_files_written(report):
    _, outcome = report
    folder = Path(outcome.bench_cfg.report_dir)
    results = pd.read_csv(folder / "results.csv")
    summary = pd.read_csv(folder / "summary.csv")

    assert results["status"].tolist() == ["finished"] * 4 + ["failed"]
    assert results.loc[4, "error"] == BATCH_ERROR
    assert summary.set_index("model").loc["lightgcn", "num_seeds"] == 2
    assert summary.set_index("model").loc["lightgcn", "test/ndcg@20"] == pytest.approx(0.275)


@pytest.mark.parametrize("figure", ["bars_toy.png", "curves_toy.png", "accuracy_time_toy.png"])
def test_figures_render(report, figure):
    text, outcome = report
    path = Path(outcome.bench_cfg.report_dir) / figure

    assert f"![{figure}]({figure})" in text
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(path)
    assert pixels.shape[0] > 200
    assert pixels.shape[1] > 300
    assert pixels.std() > 0.05  # not a blank canvas


def test_report_with_no_finished_run(tmp_path):
    job = fake_job("mf", 1)
    records = [RunRecord(job, job.run_dir(tmp_path / "work" / "runs"), "failed", error="boom")]
    outcome = build_outcome(tmp_path, records)

    text = report_outcome(outcome, tmp_path / "report").read_text()

    assert "No run finished on this data set." in text
    assert "boom" in text
    assert not list((tmp_path / "report").glob("*.png"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("headline_metrics=[recall@50]", r"headline_metrics names \['recall@50'\]"),
        ("significance.metric=coverage@20", r"significance.metric names \['coverage@20'\]"),
        ("curve_metric=test/ndcg@20", r"curve_metric=.*must be a validation metric"),
    ],
)
def test_unknown_report_metric_raises(override, message):
    cfg = compose_bench(override)
    with pytest.raises(ValueError, match=message):
        check_metric_names(cfg, [fake_job("pop", 1)])


def test_no_curves_without_validation(tmp_path):
    records = toy_records(tmp_path)[:4]
    for record in records:
        # Runs without a validation split record only the training loss per epoch.
        result = record.run_dir / "result.json"
        content = json.loads(result.read_text())
        content["history"] = [{"epoch": 1, "train/loss": 0.5}]
        result.write_text(json.dumps(content))
    text = report_outcome(build_outcome(tmp_path, records), tmp_path / "report").read_text()
    assert not (tmp_path / "report" / "curves_toy.png").exists()
    assert (tmp_path / "report" / "bars_toy.png").exists()
    assert "No learning curves" in text
