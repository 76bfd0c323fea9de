"""Item cold start: GraphSAGE from profile features against LightGCN, popularity and chance.

Every model trains through :func:`recgnn.training.pipeline.train_and_evaluate`
on ``split=cold_item``, whose test items have no training interaction. Two
rankings are reported per model:

- ``full``: the standard protocol, every item of the catalogue a candidate
  (``metrics.json`` of the run);
- ``cold only``: the same trained model, with every item that is not a test
  item masked, so only the cold test items compete (the usual cold-start
  protocol).

Negatives are drawn from the trained items only (``trainer.negative_items=trained``):
the cold items stand for items that arrive after training, so no model may
learn from their existence.

``chance`` is the expected value of a uniformly random ranking of each user's
candidates, computed exactly rather than sampled.

Usage (from the repository root)::

    RECGNN_DATA_DIR=../shared/data python -m benchmarks.cold_start \
        --models graphsage lightgcn pop --seeds 2020 2021 2022 --out outputs/cold_start
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.datamodule import PreparedData, prepare_data
from recgnn.data.interactions import Interactions
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.registry import build_model
from recgnn.training.pipeline import train_and_evaluate

log = logging.getLogger(__name__)

HEADLINE = ("recall@20", "ndcg@20")


def compose_config(model: str, seed: int, overrides: list[str]) -> DictConfig:
    """Compose ``recgnn-train``'s config for one model on the cold-item split."""
    register_resolvers()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(
            config_name="train",
            overrides=[f"model={model}", "split=cold_item", "trainer.negative_items=trained",
                       "logger=none", "trainer.progress_bar=false", f"seed={seed}", *overrides],
        )  # fmt: skip


def non_test_items(data: PreparedData) -> Interactions:
    """Return every (test user, item outside the test items) pair, to mask as seen."""
    test = data.split.test
    users = np.unique(test.user_index)
    others = np.setdiff1d(np.arange(data.num_items), np.unique(test.item_index))
    return Interactions(
        user_index=np.repeat(users, len(others)),
        item_index=np.tile(others, len(users)),
        user_ids=test.user_ids,
        item_ids=test.item_ids,
    )


def chance_metrics(data: PreparedData, seen: list[Interactions], k: int) -> dict[str, float]:
    """Return the expected recall@k and NDCG@k of a uniformly random ranking.

    For a user with ``n`` candidates and ``t`` targets among them, each rank
    contains a target with probability ``t / n``, so E[recall@k] = min(k, n) / n
    and E[DCG@k] = (t / n) Σ_{r ≤ min(k, n)} 1 / log2(r + 1).
    """
    test = data.split.test
    train_users = np.unique(data.split.train.user_index)
    masked = {}
    for part in seen:
        for user, item in zip(part.user_index, part.item_index, strict=True):
            masked.setdefault(user, set()).add(item)
    targets: dict[int, set] = {}
    for user, item in zip(test.user_index, test.item_index, strict=True):
        targets.setdefault(user, set()).add(item)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    recalls, ndcgs = [], []
    for user, items in targets.items():
        if user not in train_users:
            continue
        num_candidates = data.num_items - len(masked.get(user, set()))
        depth = min(k, num_candidates)
        recalls.append(depth / num_candidates)
        ideal = discount[: min(k, len(items))].sum()
        ndcgs.append(len(items) / num_candidates * discount[:depth].sum() / ideal)
    return {"recall@20": float(np.mean(recalls)), "ndcg@20": float(np.mean(ndcgs))}


class PermutedItems(torch.nn.Module):
    """Present a model's items in a shuffled order, so score ties break at random.

    ``torch.topk`` breaks ties by position. ML-100K's item ids roughly follow
    popularity, so ties broken by id would rank the popular items first and
    credit a model that cannot tell its candidates apart. Popularity gives
    every cold item the same score, for instance.
    """

    def __init__(self, model: torch.nn.Module, order: np.ndarray):
        super().__init__()
        self.model = model
        self.order = torch.from_numpy(order)

    def prepare_scoring(self) -> None:
        self.model.prepare_scoring()

    def score_users(self, user_index: torch.Tensor) -> torch.Tensor:
        return self.model.score_users(user_index)[:, self.order]


def permute_items(part: Interactions, position_of: np.ndarray) -> Interactions:
    """Return ``part`` with each item index replaced by its shuffled position."""
    return Interactions(part.user_index, position_of[part.item_index], part.user_ids,
                        part.item_ids)  # fmt: skip


def cold_only_metrics(
    cfg: DictConfig, run_dir: Path, data: PreparedData, seed: int, num_orders: int = 10
) -> dict[str, float]:
    """Reload the run's best state and rank only the cold test items.

    Ties break by a random item order, the same for every user, so a model
    whose cold scores all tie (popularity) lands on one random subset for
    everyone. The mean over ``num_orders`` orders keeps that luck small.
    """
    checkpoint = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    model = build_model(cfg.model, data.graph, data.features)
    model.fit(data.graph)
    model.load_state_dict(checkpoint["model_state"])
    split = data.split
    evaluator = Evaluator(data.num_items, [20], cfg.eval.batch_size)
    rng = np.random.default_rng(seed)
    totals = dict.fromkeys(HEADLINE, 0.0)
    for _ in range(num_orders):
        order = rng.permutation(data.num_items)
        position_of = np.argsort(order)
        seen = [permute_items(part, position_of) for part in (split.train, non_test_items(data))]
        result = evaluator.evaluate(
            PermutedItems(model, order), permute_items(split.test, position_of), seen=seen
        )
        for key in HEADLINE:
            totals[key] += result.metrics[key] / num_orders
    return totals


def run(models: list[str], seeds: list[int], overrides: list[str], out: Path) -> list[dict]:
    """Train and evaluate every model and seed; return one row per run."""
    rows = []
    for seed in seeds:
        for model in models:
            cfg = compose_config(model, seed, overrides)
            run_dir = out / f"{model}-seed{seed}"
            metrics = train_and_evaluate(cfg, run_dir)
            data = prepare_data(cfg)
            row = {"model": model, "seed": seed, "epochs_run": metrics["epochs_run"],
                   "best_epoch": metrics["best_epoch"]}  # fmt: skip
            row.update({f"full/{key}": metrics[f"test/{key}"] for key in HEADLINE})
            cold_only = cold_only_metrics(cfg, run_dir, data, seed)
            row.update({f"cold_only/{key}": value for key, value in cold_only.items()})
            rows.append(row)
            log.info("%s", row)
    split = data.split
    chance = {"model": "chance (expected)", "seed": None}
    chance.update(
        {f"full/{k}": v for k, v in chance_metrics(data, [split.train, split.valid], 20).items()}
    )
    chance.update(
        {
            f"cold_only/{k}": v
            for k, v in chance_metrics(data, [split.train, non_test_items(data)], 20).items()
        }
    )
    rows.append(chance)  # fmt: skip
    return rows


COLUMNS = ["full/recall@20", "full/ndcg@20", "cold_only/recall@20", "cold_only/ndcg@20"]


def summarize(rows: list[dict]) -> list[dict]:
    """Return one row per model with the mean and standard deviation over seeds."""
    summary = []
    for model in dict.fromkeys(row["model"] for row in rows):
        runs = [row for row in rows if row["model"] == model]
        entry = {"model": model, "runs": len(runs)}
        for column in COLUMNS:
            values = np.array([row[column] for row in runs])
            entry[column] = (float(values.mean()), float(values.std()))
        summary.append(entry)
    return summary


def markdown_table(summary: list[dict]) -> str:
    lines = ["| model | runs | " + " | ".join(COLUMNS) + " |",
             "| --- | --- |" + " --- |" * len(COLUMNS)]  # fmt: skip
    for entry in summary:
        values = " | ".join(f"{entry[c][0]:.4f} ± {entry[c][1]:.4f}" for c in COLUMNS)
        lines.append(f"| {entry['model']} | {entry['runs']} | {values} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["graphsage", "lightgcn", "pop"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[2020])
    parser.add_argument("--out", type=Path, default=Path("outputs/cold_start"))
    parser.add_argument(
        "overrides", nargs="*", help="extra config overrides, e.g. trainer.lr=0.001"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    rows = run(args.models, args.seeds, args.overrides, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=2))
    table = markdown_table(summarize(rows))
    (args.out / "results.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
