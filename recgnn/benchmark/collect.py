"""Gather the run folders of a grid into tables: one row per run, and means over seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from recgnn.benchmark.runner import RESULT_FILE, RunRecord

# Columns that describe a run rather than measure it.
KEY_COLUMNS = ["dataset", "model", "seed", "status", "run_dir", "config_hash"]

# Columns whose values depend on the machine and its load, so reruns differ in them.
MEASURED_SUFFIXES = ("_seconds", "_seconds_per_epoch", "_mib")


def is_measured(column: str) -> bool:
    """Return True for a time or memory column, which two identical runs need not share."""
    return column.endswith(MEASURED_SUFFIXES)


def read_result(run_dir: Path) -> dict:
    """Return ``{"metrics": {...}, "history": [...]}`` of a finished run."""
    return json.loads((Path(run_dir) / RESULT_FILE).read_text())


def results_table(records: list[RunRecord], work_dir: Path) -> pd.DataFrame:
    """Build one row per job in grid order: its keys, every metric and a failed run's error.

    ``run_dir`` is stored relative to ``work_dir`` so the table does not depend
    on where the benchmark was run from.
    """
    rows = []
    for record in records:
        row = {
            "dataset": record.job.dataset,
            "model": record.job.model,
            "seed": record.job.seed,
            "status": record.status,
            "run_dir": _relative(record.run_dir, work_dir),
            "config_hash": record.job.config_hash,
        }
        if record.status == "finished":
            metrics = read_result(record.run_dir)["metrics"]
            row.update(metrics)
            epochs = metrics.get("epochs_run") or 0
            row["train_seconds_per_epoch"] = (
                metrics["train_seconds"] / epochs if epochs else np.nan
            )
        row["error"] = record.error or ""
        rows.append(row)
    table = pd.DataFrame(rows)
    metric_columns = sorted(c for c in table.columns if c not in KEY_COLUMNS + ["error"])
    return table[KEY_COLUMNS + metric_columns + ["error"]]


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """Average each model's finished seeds: mean and sample standard deviation (n - 1).

    Columns are ``<metric>`` (mean), ``<metric>_std`` and ``num_seeds``; rows keep
    the grid order of (dataset, model).
    """
    finished = results[results["status"] == "finished"]
    numeric = [c for c in finished.columns
               if c not in KEY_COLUMNS and pd.api.types.is_numeric_dtype(finished[c])]  # fmt: skip
    grouped = finished.groupby(["dataset", "model"], sort=False)[numeric]
    means = grouped.mean()
    stds = grouped.std(ddof=1).add_suffix("_std")
    summary = pd.concat([means, stds], axis=1)
    summary.insert(0, "num_seeds", grouped.size())
    return summary.reset_index()


def per_user_values(run_dirs: list[Path], metric: str) -> pd.Series:
    """Average a per-user test metric over runs (seeds), indexed by ``user_index``.

    Only users evaluated in every run are kept, so the seeds are averaged over
    the same users.
    """
    columns = []
    for run_dir in run_dirs:
        table = pd.read_csv(Path(run_dir) / "per_user_test.csv", index_col="user_index")
        if metric not in table.columns:
            raise ValueError(
                f"significance.metric={metric!r} is not a column of "
                f"{Path(run_dir) / 'per_user_test.csv'}; available: {sorted(table.columns)}"
            )
        columns.append(table[metric])
    return pd.concat(columns, axis=1, join="inner").mean(axis=1)


def histories(records: list[RunRecord]) -> dict[tuple[str, str], list[list[dict]]]:
    """Read the per-epoch histories of finished runs, keyed by (dataset, model), one per seed."""
    curves: dict[tuple[str, str], list[list[dict]]] = {}
    for record in records:
        if record.status == "finished":
            key = (record.job.dataset, record.job.model)
            curves.setdefault(key, []).append(read_result(record.run_dir)["history"])
    return curves


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
