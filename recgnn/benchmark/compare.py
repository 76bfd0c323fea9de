"""Check that two benchmark runs gave the same numbers.

Usage::

    python -m recgnn.benchmark.compare OLD/results.csv NEW/results.csv

Compares every column of ``results.csv`` except times and memory (which change
from run to run) exactly, and exits with status 0 when they all match, 1 when
some differ.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pandas as pd

from recgnn.benchmark.collect import is_measured

log = logging.getLogger(__name__)

# Rows are matched on these columns, so a reordered grid still compares.
ROW_KEYS = ["dataset", "model", "seed"]
# The folder depends on where the benchmark ran; the error text may name that folder.
UNCOMPARED = {"run_dir", "error"}


def compare_results(old_path: Path, new_path: Path) -> list[str]:
    """Return one line per difference in the accuracy columns of two ``results.csv`` files."""
    old, new = (pd.read_csv(path).set_index(ROW_KEYS) for path in (old_path, new_path))
    old_columns, new_columns = (
        {c for c in table.columns if not is_measured(c)} - UNCOMPARED for table in (old, new)
    )
    differences = [
        f"run {key} is in only one file" for key in sorted(set(old.index) ^ set(new.index))
    ]
    differences += [f"column {c} is in only one file" for c in sorted(old_columns ^ new_columns)]

    rows = old.index.intersection(new.index)
    for column in sorted(old_columns & new_columns):
        before, after = old.loc[rows, column], new.loc[rows, column]
        changed = ~((before == after) | (before.isna() & after.isna()))
        for key in rows[changed.to_numpy()]:
            differences.append(f"{key} {column}: {before[key]} -> {after[key]}")
    return differences


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if len(args) != 2:
        log.error("usage: python -m recgnn.benchmark.compare OLD/results.csv NEW/results.csv")
        return 2
    differences = compare_results(Path(args[0]), Path(args[1]))
    for line in differences:
        log.info("%s", line)
    log.info("%d differences in the accuracy columns", len(differences))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
