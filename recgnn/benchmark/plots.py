"""PNG figures of a benchmark: metric bars, learning curves, accuracy against training time.

The figures are built with matplotlib's object API (``Figure``), not pyplot,
so no GUI backend or global figure state is involved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Training times below this many seconds are drawn at it, so a log axis can show them.
MIN_PLOTTED_SECONDS = 1e-3


def model_colors(models: list[str]) -> dict[str, tuple]:
    """Give each model one colour, shared by every figure of the report."""
    palette = colormaps["tab10" if len(models) <= 10 else "tab20"]
    return {model: palette(index % palette.N) for index, model in enumerate(models)}


def plot_metric_bars(
    summary: pd.DataFrame, metrics: list[str], colors: dict, title: str, path: Path
) -> Path:
    """Draw grouped bars: one group per test metric, one bar per model, error bars = std.

    ``summary`` contains one data set's rows of :func:`recgnn.benchmark.collect.summary_table`.
    """
    figure = Figure(figsize=(max(6.0, 1.2 * len(metrics) * max(len(summary), 2) / 2), 4.5))
    axes = figure.subplots()
    width = 0.8 / max(len(summary), 1)
    positions = np.arange(len(metrics))
    for offset, (_, row) in enumerate(summary.iterrows()):
        means = [row[f"test/{m}"] for m in metrics]
        stds = np.nan_to_num([row[f"test/{m}_std"] for m in metrics])
        axes.bar(positions + (offset - (len(summary) - 1) / 2) * width, means, width,
                 yerr=stds, capsize=3, color=colors[row["model"]], label=row["model"])  # fmt: skip
    axes.set_xticks(positions, [f"test/{m}" for m in metrics])
    axes.set_ylabel("mean over seeds (error bar: standard deviation)")
    axes.set_title(title)
    axes.legend(fontsize="small", ncols=2)
    axes.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def plot_learning_curves(
    curves: dict[str, list[list[dict]]], metric: str, colors: dict, title: str, path: Path
) -> Path:
    """Draw ``metric`` against epoch, one thin line per seed of each trained model.

    Fitted models have a single validation at epoch 0 and are drawn as a dashed
    horizontal line at their mean over seeds.
    """
    figure = Figure(figsize=(7.0, 4.5))
    axes = figure.subplots()
    drawn = []
    for model, seed_histories in curves.items():
        points = [[(r["epoch"], r[metric]) for r in history if metric in r]
                  for history in seed_histories]  # fmt: skip
        points = [seed_points for seed_points in points if seed_points]
        if all(len(p) == 1 and p[0][0] == 0 for p in points):
            drawn += _draw_fitted(axes, model, points, colors[model])
        else:
            drawn += _draw_trained(axes, model, points, colors[model])
    if drawn:
        # Horizontal lines do not rescale the axis, so fit it to every drawn value.
        low, high = min(drawn), max(drawn)
        padding = 0.1 * (high - low) or 0.05 * abs(high) or 0.01
        axes.set_ylim(low - padding, high + padding)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    axes.set_title(title)
    axes.legend(fontsize="small", ncols=2)
    axes.grid(alpha=0.3)
    return _save(figure, path)


def _draw_fitted(axes, model: str, points: list, color) -> list[float]:
    if not points:
        return []
    mean = float(np.mean([seed_points[0][1] for seed_points in points]))
    axes.axhline(mean, linestyle="--", color=color, label=f"{model} (fitted)")
    return [mean]


def _draw_trained(axes, model: str, points: list, color) -> list[float]:
    values = []
    for seed_index, seed_points in enumerate(points):
        epochs, seed_values = zip(*seed_points, strict=True)
        axes.plot(epochs, seed_values, marker=".", linewidth=1, color=color,
                  label=model if seed_index == 0 else None)  # fmt: skip
        values += seed_values
    return values


def plot_accuracy_vs_time(
    summary: pd.DataFrame, metric: str, colors: dict, title: str, path: Path
) -> Path:
    """Draw each model's mean test metric against its mean training time (log scale)."""
    figure = Figure(figsize=(7.0, 4.5))
    axes = figure.subplots()
    for _, row in summary.iterrows():
        seconds = max(row["train_seconds"], MIN_PLOTTED_SECONDS)
        axes.errorbar(seconds, row[f"test/{metric}"],
                      xerr=np.nan_to_num(row["train_seconds_std"]),
                      yerr=np.nan_to_num(row[f"test/{metric}_std"]),
                      fmt="o", capsize=3, color=colors[row["model"]])  # fmt: skip
        axes.annotate(row["model"], (seconds, row[f"test/{metric}"]),
                      textcoords="offset points", xytext=(5, 5), fontsize="small",
                      annotation_clip=False)  # fmt: skip
    axes.set_xscale("log")
    axes.margins(x=0.15, y=0.1)
    axes.set_xlabel("training time, seconds (log scale; fitting time for fitted models)")
    axes.set_ylabel(f"test/{metric}")
    axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    return _save(figure, path)


def _save(figure: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path
