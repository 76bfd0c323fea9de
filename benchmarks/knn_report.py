"""Render the results page of ``python -m benchmarks.knn_reference``."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
from pathlib import Path

import numpy as np
import scipy
import torch

INTRO = """\
# Cosine UserKNN and ItemKNN against an independent implementation

recgnn's `UserKNN` and `ItemKNN` (`recgnn/models/knn.py`) are compared with
`benchmarks/cosine_reference.py`, which shares no code with them, on the
LightGCN Gowalla split. Cosine similarity over binary interaction vectors is
`sim(a, b) = a·b / (‖a‖ ‖b‖)`, and a row is never its own neighbour. UserKNN
scores `Σ_{{v ∈ N_k(u)}} sim(u, v) · r_vi` and ItemKNN
`Σ_{{j ∈ I(u) ∩ N_k(i)}} sim(i, j)`.

- recgnn: config composed from `conf/train.yaml` with `dataset=gowalla
  split=given split.valid_ratio=0`, data from `prepare_data`, the model from
  the registry, `score_users` for the sampled users, and recall@{topk} and
  NDCG@{topk} from the `Evaluator` (full ranking, training items masked).
- Reference: reads `train.txt` and `test.txt` itself. For each sampled user
  (UserKNN) or item (ItemKNN), one sparse product with the binary matrix
  gives the shared-item counts with every other row. Neighbours are ranked
  exactly: `c² / n_b`, compared as reduced integer fractions. Equal cosines
  tie, and the lower index wins. This is the tie rule that recgnn's
  `cosine_neighbours` documents, though it compares similarities rounded to
  12 decimals where the reference compares exact fractions.
  ItemKNN with a finite k ranks the full similarity row of every item, so
  every score of a sampled user is compared, not only a candidate set.
  The column "k-th neighbour tied" counts the rows with more than k
  neighbours whose k-th and (k + 1)-th neighbours have equal cosines, where
  the tie rule decides which neighbour is kept.
  Items are ranked by a stable sort with the training items masked.
- Sample: {num_users} test users drawn with `numpy.random.default_rng({seed})`
  from the users with training and test items.
- Scores: every (sampled user, item) pair. recgnn returns float32 and the
  reference float64, so a pair agrees when `|recgnn − reference| ≤ {rtol:g} ·
  |reference|`. An exact zero must stay zero.
- Metrics: a user's recall@{topk} and NDCG@{topk} are *determined* when no
  group of equal scores (relative tolerance {tie_rtol:g}) that reaches the top
  {topk} contains both a test item and another item. Only then does the order
  among equal scores, where `torch.topk` and a stable sort may differ, leave
  the metrics unchanged. Per-user values are compared on determined users
  (absolute tolerance {metric_atol:g}); the means cover every sampled user.
"""


def hardware_line() -> str:
    """Return the CPU model, core count, memory and library versions of this machine."""
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        memory_kib = int(handle.readline().split()[1])
    return (
        f"{model}, {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB of memory, no GPU; "
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"NumPy {np.__version__}, SciPy {scipy.__version__}"
    )


def score_table(results: list) -> list[str]:
    lines = [
        "| model | k | users | scores compared | outside tolerance | max abs difference "
        "| max rel difference | k-th neighbour tied | recgnn fit (s) | reference (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        lines.append(
            f"| {result.model} | {_k(result.k)} | {result.num_users} | {result.num_scores:,} "
            f"| {result.num_score_mismatches} | {result.max_abs_difference:.2e} "
            f"| {result.max_rel_difference:.2e} | {_ties(result)} | {result.fit_seconds:.1f} "
            f"| {result.reference_seconds:.1f} |"
        )
    return lines


def metric_table(results: list, topk: int) -> list[str]:
    lines = [
        f"| model | k | determined users | max per-user difference | recall@{topk} recgnn "
        f"| recall@{topk} reference | NDCG@{topk} recgnn | NDCG@{topk} reference |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        ours, theirs = result.recgnn_means, result.reference_means
        lines.append(
            f"| {result.model} | {_k(result.k)} | {result.num_determined} / {result.num_users} "
            f"| {result.max_metric_difference:.1e} | {ours['recall']:.4f} "
            f"| {theirs['recall']:.4f} | {ours['ndcg']:.4f} | {theirs['ndcg']:.4f} |"
        )
    return lines


def _ties(result) -> str:
    if result.num_cutoff_ties is None:
        return "–"
    rows = "sampled users" if result.model == "userknn" else "items"
    return f"{result.num_cutoff_ties:,} of {result.num_rows_past_k:,} {rows}"


def _k(k: int | None) -> str:
    return "all (null)" if k is None else str(k)


def write_report(
    results: list, args: argparse.Namespace, tolerances: dict, timing: dict, path: Path
) -> None:
    """Write the Markdown results page: protocol, command, hardware, timing and both tables.

    ``tolerances`` contains ``topk``, ``rtol``, ``tie_rtol`` and ``metric_atol``.
    """
    command = (
        f"RECGNN_DATA_DIR={args.data_root} OMP_NUM_THREADS={args.threads} "
        f"python -m benchmarks.knn_reference --num-users {args.num_users} --seed {args.seed}"
    )
    topk = tolerances["topk"]
    load_before = ", ".join(f"{value:.1f}" for value in timing["load_before"])
    load_after = ", ".join(f"{value:.1f}" for value in timing["load_after"])
    lines = [
        INTRO.format(num_users=args.num_users, seed=args.seed, **tolerances),
        "## Scores", "", *score_table(results), "",
        f"## recall@{topk} and NDCG@{topk} of the sample", "", *metric_table(results, topk), "",
        "## How it was run", "",
        f"Command (repository root): `{command}`", "",
        f"Hardware: {hardware_line()}.", "",
        f"Run on {datetime.date.today().isoformat()} with {args.threads} torch thread(s), "
        f"{timing['wall_seconds']:.0f} s of wall time in all, including four loads of "
        f"Gowalla, and a peak resident memory of {timing['peak_rss_kib'] / 2**20:.1f} GiB. "
        "Other jobs shared the two cores: the 1-, 5- and 15-minute load averages "
        f"were {load_before} at the start and {load_after} at the end, so the times are "
        "longer than on an idle machine. The differences and metrics do not depend on load.",
        "",
    ]  # fmt: skip
    path.write_text("\n".join(lines), encoding="utf-8")
