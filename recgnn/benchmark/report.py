"""Write a benchmark's report folder: ``report.md``, ``results.csv`` and ``summary.csv``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from recgnn.benchmark import protocol
from recgnn.benchmark.format import format_mean_std, format_number, markdown_table
from recgnn.benchmark.significance import TEST_NAME

if TYPE_CHECKING:
    from recgnn.benchmark.harness import BenchmarkOutcome

COST_COLUMNS = [
    ("best epoch", "best_epoch"),
    ("epochs run", "epochs_run"),
    ("train s", "train_seconds"),
    ("train s/epoch", "train_seconds_per_epoch"),
    ("val eval s", "val_eval_seconds"),
    ("test eval s", "test_eval_seconds"),
    ("load s", "load_seconds"),
    ("peak RSS MiB", "peak_rss_mib"),
    ("GPU peak MiB", "gpu_peak_memory_mib"),
    ("parameters", "num_parameters"),
]


def write_report(outcome: BenchmarkOutcome, report_dir: Path) -> Path:
    """Write the CSV tables and ``report.md`` into ``report_dir``; return the report's path."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    outcome.results.to_csv(report_dir / "results.csv", index=False)
    outcome.summary.to_csv(report_dir / "summary.csv", index=False)
    path = report_dir / "report.md"
    partial = path.with_suffix(".md.part")
    partial.write_text(render_report(outcome))
    partial.replace(path)
    return path


def render_report(outcome: BenchmarkOutcome) -> str:
    """Return the Markdown text of the report."""
    sections = [_header(outcome)]
    for dataset in outcome.results["dataset"].unique():
        sections.append(_dataset_section(outcome, dataset))
    sections += [
        _failures_section(outcome),
        protocol.protocol_section(outcome),
        protocol.environment_section(outcome.environment),
        protocol.configs_section(outcome),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _header(outcome: BenchmarkOutcome) -> str:
    cfg, results = outcome.bench_cfg, outcome.results
    environment = outcome.environment
    num_finished = int((results["status"] == "finished").sum())
    num_reused = sum(1 for r in outcome.records if r.reused and r.status == "finished")
    lines = [
        f"# Benchmark `{cfg.name}`",
        "",
        str(cfg.description).strip(),
        "",
        f"Generated on {environment.get('date', 'unknown date')} by `{outcome.command}` at "
        f"commit `{environment.get('commit', 'unknown')}` (uncommitted changes: "
        f"{environment.get('dirty', 'unknown')}). {len(results)} runs: {num_finished} "
        f"finished ({num_reused} reused from an earlier invocation), "
        f"{len(results) - num_finished} not finished.",
        "",
        "Files: `results.csv` (one row per run, every metric), `summary.csv` (mean and "
        "standard deviation over seeds), and the PNG figures below. Rerunning the command "
        f"reuses the finished runs in the working folder `{cfg.work_dir}`, which were "
        "computed by the code of their time, so start from an empty folder after a code "
        "change. On CPU, with the "
        "package versions below, a run from an empty working folder gives the same "
        "accuracy numbers; times and memory differ from run to run.",
    ]
    if outcome.skipped_models:
        lines += ["", f"Registry models without a config, not run: {outcome.skipped_models}."]
    return "\n".join(lines)


def _dataset_section(outcome: BenchmarkOutcome, dataset: str) -> str:
    summary = outcome.summary[outcome.summary["dataset"] == dataset].set_index("model")
    if summary.empty:
        return f"## {dataset}\n\nNo run finished on this data set."
    parts = [f"## {dataset}", _main_table(outcome, dataset, summary)]
    parts += ["### Every test metric", _all_metrics_table(summary)]
    parts += ["### Cost", _cost_table(summary), protocol.LOAD_NOTE]
    figures = outcome.figures.get(dataset, [])
    if figures:
        parts.append("### Figures")
        parts += [f"![{name}]({name})" for name in figures]
        if not any(name.startswith("curves_") for name in figures):
            parts.append(
                f"No learning curves: no run of this data set has a validation split, "
                f"so `{outcome.bench_cfg.curve_metric}` was never computed."
            )
    return "\n\n".join(parts)


def _main_table(outcome: BenchmarkOutcome, dataset: str, summary: pd.DataFrame) -> str:
    cfg = outcome.bench_cfg
    baseline = cfg.baseline
    metrics = list(cfg.headline_metrics)
    tests = outcome.tests.get(dataset)
    tests = tests.set_index("model") if tests is not None else None
    headers = ["model", "seeds"]
    for metric in metrics:
        headers += [f"test/{metric}", f"Δ vs {baseline}"]
    headers += [f"users differing ({cfg.significance.metric})", "p (Holm)"]

    rows = []
    for model, row in summary.iterrows():
        cells = [f"`{model}`", str(int(row["num_seeds"]))]
        for metric in metrics:
            cells.append(format_mean_std(row[f"test/{metric}"], row[f"test/{metric}_std"]))
            cells.append(_relative_change(summary, model, baseline, f"test/{metric}"))
        cells += _test_cells(tests, model, baseline, cfg.significance.level)
        rows.append(cells)
    return "\n\n".join([markdown_table(headers, rows), _main_table_note(outcome, dataset)])


def _relative_change(summary: pd.DataFrame, model: str, baseline: str, column: str) -> str:
    if baseline not in summary.index:
        return "n/a"
    if model == baseline:
        return "baseline"
    reference = summary.loc[baseline, column]
    if reference == 0:
        return "n/a"
    return f"{100 * (summary.loc[model, column] - reference) / reference:+.1f}%"


def _test_cells(tests, model: str, baseline: str, level: float) -> list[str]:
    if model == baseline:
        return ["baseline", "baseline"]
    if tests is None or model not in tests.index:
        return ["n/a", "n/a"]
    test = tests.loc[model]
    marker = " *" if test["significant"] else ""
    users = f"{int(test['num_nonzero']):,} of {int(test['num_users']):,}"
    # The normal approximation of large samples can underflow to exactly 0.
    p_value = "< 1e-300" if test["p_holm"] < 1e-300 else f"{test['p_holm']:.2g}"
    return [users, p_value + marker]


def _main_table_note(outcome: BenchmarkOutcome, dataset: str) -> str:
    cfg = outcome.bench_cfg
    note = (
        "Mean ± sample standard deviation (n − 1) over seeds. Δ is the relative change "
        f"of the mean against the baseline `{cfg.baseline}`. p is the {TEST_NAME} on "
        f"per-user test {cfg.significance.metric} (each model's value per user averaged over "
        "its seeds, paired on the users both evaluate), adjusted by Holm's method over the "
        f"models of this data set; * marks p < {cfg.significance.level:g}."
    )
    if dataset not in outcome.tests:
        note += f" No paired test: the baseline `{cfg.baseline}` has no finished run here."
    return note


def _all_metrics_table(summary: pd.DataFrame) -> str:
    columns = [c for c in summary.columns if c.startswith("test/") and "@" in c
               and not c.endswith("_std")]  # fmt: skip
    headers = ["metric", *(f"`{model}`" for model in summary.index)]
    rows = [
        [column, *(format_mean_std(summary.loc[m, column], summary.loc[m, column + "_std"])
                   for m in summary.index)]
        for column in columns
    ]  # fmt: skip
    return markdown_table(headers, rows)


def _cost_table(summary: pd.DataFrame) -> str:
    shown = [(title, key) for title, key in COST_COLUMNS if key in summary.columns]
    headers = ["model", *(title for title, _ in shown)]
    rows = [
        [f"`{model}`", *(format_number(row[key], key) for _, key in shown)]
        for model, row in summary.iterrows()
    ]
    return markdown_table(headers, rows) + "\n\nMeans over seeds."


def _failures_section(outcome: BenchmarkOutcome) -> str:
    failed = outcome.results[outcome.results["status"] != "finished"]
    if failed.empty:
        return "## Failed runs\n\nNone."
    headers = ["data set", "model", "seed", "status", "error", "run folder"]
    rows = [
        [row["dataset"], f"`{row['model']}`", str(row["seed"]), row["status"],
         str(row["error"]).replace("|", "\\|").replace("\n", " "), f"`{row['run_dir']}`"]
        for _, row in failed.iterrows()
    ]  # fmt: skip
    note = f"Each run folder (under `{outcome.bench_cfg.work_dir}`) holds the full `run.log`."
    return "\n\n".join(["## Failed runs", markdown_table(headers, rows), note])
