"""Run a whole benchmark: expand the grid, run the jobs, collect, test and report."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig

from recgnn.benchmark.collect import histories, per_user_values, results_table, summary_table
from recgnn.benchmark.environment import describe_environment
from recgnn.benchmark.grid import BenchJob, expand_grid, resolve_models
from recgnn.benchmark.plots import (
    model_colors,
    plot_accuracy_vs_time,
    plot_learning_curves,
    plot_metric_bars,
)
from recgnn.benchmark.report import write_report
from recgnn.benchmark.runner import GridRunner, RunRecord
from recgnn.benchmark.significance import compare_to_baseline
from recgnn.evaluation.metrics import METRICS

log = logging.getLogger(__name__)


@dataclass
class BenchmarkOutcome:
    """Inputs of the report: the grid, the runs, their tables, tests and figures.

    Attributes:
        bench_cfg: The benchmark config.
        command: The command line that started the benchmark.
        jobs: The grid, in order.
        records: The outcome of each job.
        results: One row per run (``results.csv``).
        summary: Means and standard deviations over seeds (``summary.csv``).
        tests: Data set -> paired tests against the baseline (empty without a baseline).
        figures: Data set -> PNG files, relative to the report folder.
        skipped_models: Registry models left out because they have no config.
        environment: Software and hardware, see :func:`describe_environment`.
    """

    bench_cfg: DictConfig
    command: str
    jobs: list[BenchJob]
    records: list[RunRecord]
    results: pd.DataFrame
    summary: pd.DataFrame
    tests: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, list[str]] = field(default_factory=dict)
    skipped_models: list[str] = field(default_factory=list)
    environment: dict = field(default_factory=dict)


def run_benchmark(bench_cfg: DictConfig, command: str) -> BenchmarkOutcome:
    """Run every job of ``bench_cfg`` not finished before, then write the report folder."""
    environment = describe_environment()
    jobs = expand_grid(bench_cfg)
    check_metric_names(bench_cfg, jobs)
    _, skipped_models = resolve_models(bench_cfg.models)
    if skipped_models:
        log.warning("registry models without conf/model/<name>.yaml are not run: %s",
                    skipped_models)  # fmt: skip
    work_dir = Path(bench_cfg.work_dir)
    log.info("benchmark %s: %d runs in %s", bench_cfg.name, len(jobs), work_dir / "runs")

    runner = GridRunner(
        work_dir / "runs",
        retry_failed=bench_cfg.retry_failed,
        fail_fast=bench_cfg.fail_fast,
        timeout=bench_cfg.run_timeout,
    )
    records = runner.run(jobs)
    results = results_table(records, work_dir)
    outcome = BenchmarkOutcome(
        bench_cfg, command, jobs, records, results, summary_table(results),
        skipped_models=skipped_models, environment=environment,
    )  # fmt: skip
    report_dir = Path(bench_cfg.report_dir)
    report_outcome(outcome, report_dir)
    failed = int((results["status"] != "finished").sum())
    log.info("report in %s (%d of %d runs did not finish)", report_dir, failed, len(jobs))
    return outcome


def report_outcome(outcome: BenchmarkOutcome, report_dir: Path) -> Path:
    """Run the paired tests, draw the figures and write the report folder."""
    outcome.tests = significance_tests(outcome)
    outcome.figures = draw_figures(outcome, report_dir)
    return write_report(outcome, report_dir)


def check_metric_names(bench_cfg: DictConfig, jobs: list[BenchJob]) -> None:
    """Fail before any run when a reported metric will not be computed by every job."""
    if not bench_cfg.curve_metric.startswith("val/"):
        raise ValueError(
            f"bench curve_metric={bench_cfg.curve_metric!r} must be a validation metric, "
            "e.g. curve_metric=val/ndcg@20"
        )
    names = {
        "headline_metrics": (list(bench_cfg.headline_metrics), "[recall@20,ndcg@20]"),
        "significance.metric": ([bench_cfg.significance.metric], "ndcg@20"),
        "curve_metric": ([bench_cfg.curve_metric.removeprefix("val/")], "val/ndcg@20"),
    }
    for job in jobs:
        topk = job.config.eval.topk
        # Coverage is one number per run, so it has no per-user values to pair.
        per_user = {f"{m}@{k}" for m in METRICS for k in topk}
        computed = per_user | {f"coverage@{k}" for k in topk}
        for key, (metrics, example) in names.items():
            allowed = per_user if key == "significance.metric" else computed
            unknown = [m for m in metrics if m not in allowed]
            if unknown:
                raise ValueError(
                    f"bench {key} names {unknown}, which {job.name} does not compute with "
                    f"eval.topk={list(topk)}; available: {sorted(allowed)}. "
                    f"For example {key}={example}"
                )


def significance_tests(outcome: BenchmarkOutcome) -> dict[str, pd.DataFrame]:
    """Test each model against the baseline on the per-user metric, per data set."""
    cfg = outcome.bench_cfg
    tests = {}
    for dataset in outcome.results["dataset"].unique():
        run_dirs = _finished_run_dirs(outcome.records, dataset)
        if cfg.baseline not in run_dirs:
            log.warning("baseline %r has no finished run on %s; no paired tests there",
                        cfg.baseline, dataset)  # fmt: skip
            continue
        per_user = {model: per_user_values(dirs, cfg.significance.metric)
                    for model, dirs in run_dirs.items()}  # fmt: skip
        tests[dataset] = compare_to_baseline(per_user, cfg.baseline, cfg.significance.level)
    return tests


def draw_figures(outcome: BenchmarkOutcome, report_dir: Path) -> dict[str, list[str]]:
    """Draw the three figures of each data set into ``report_dir``."""
    cfg = outcome.bench_cfg
    colors = model_colors(list(dict.fromkeys(job.model for job in outcome.jobs)))
    curves = histories(outcome.records)
    headline = list(cfg.headline_metrics)
    figures = {}
    for dataset in outcome.results["dataset"].unique():
        summary = outcome.summary[outcome.summary["dataset"] == dataset]
        if summary.empty:
            continue
        dataset_curves = {m: h for (d, m), h in curves.items() if d == dataset}
        bars = report_dir / f"bars_{dataset}.png"
        paths = [plot_metric_bars(summary, headline, colors, f"{dataset}: test metrics", bars)]
        # Runs without a validation split (e.g. split.valid_ratio=0) have no curve to draw.
        has_curves = any(
            cfg.curve_metric in record
            for model_histories in dataset_curves.values()
            for history in model_histories
            for record in history
        )
        if has_curves:
            title = f"{dataset}: {cfg.curve_metric} per epoch"
            curves_path = report_dir / f"curves_{dataset}.png"
            paths.append(
                plot_learning_curves(dataset_curves, cfg.curve_metric, colors, title, curves_path)
            )
        title = f"{dataset}: accuracy against training time"
        time_path = report_dir / f"accuracy_time_{dataset}.png"
        paths.append(plot_accuracy_vs_time(summary, headline[-1], colors, title, time_path))
        figures[dataset] = [path.name for path in paths]
    return figures


def _finished_run_dirs(records: list[RunRecord], dataset: str) -> dict[str, list[Path]]:
    run_dirs: dict[str, list[Path]] = {}
    for record in records:
        if record.job.dataset == dataset and record.status == "finished":
            run_dirs.setdefault(record.job.model, []).append(record.run_dir)
    return run_dirs
