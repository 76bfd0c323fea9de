"""Check recgnn's cosine UserKNN and ItemKNN against an independent implementation on Gowalla.

recgnn's side runs as a training run would: the config is composed from
``conf/train.yaml`` (``dataset=gowalla split=given split.valid_ratio=0``), the
data comes from ``prepare_data``, the model from the registry, and the
metrics from the ``Evaluator``. The reference side
(:mod:`benchmarks.cosine_reference`) reads ``train.txt`` and ``test.txt``
itself, ranks neighbours exactly and ranks items with a stable sort.

For a seeded sample of test users the check compares every score against
every catalogue item (relative tolerance 1e-5; recgnn returns float32), and
recall@20 and NDCG@20 with training items masked. Users whose metrics depend
on the order of equal scores are counted, and their per-user values are not
compared.

Usage (from the repository root)::

    RECGNN_DATA_DIR=../shared/data python -m benchmarks.knn_reference
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from benchmarks import cosine_reference as reference
from benchmarks.knn_report import write_report
from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.datamodule import PreparedData, prepare_data
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.registry import build_model

log = logging.getLogger(__name__)

# (model, k): k=None is every neighbour, "default" keeps conf/model/<model>.yaml's k.
SETTINGS = [("userknn", None), ("userknn", "default"), ("itemknn", None), ("itemknn", "default")]
TOPK = 20
SCORE_RTOL = 1e-5
# Reference scores this close count as tied when deciding whether a user's metrics are determined.
TIE_RTOL = 1e-6
METRIC_ATOL = 1e-6


@dataclass
class Comparison:
    """The outcome of one model setting on one user sample."""

    model: str
    k: int | None
    num_users: int
    fit_seconds: float
    reference_seconds: float
    num_scores: int
    num_score_mismatches: int
    max_abs_difference: float
    max_rel_difference: float
    num_determined: int
    # Rows ranked with more than k neighbours, and those whose k-th neighbour ties the next.
    num_rows_past_k: int | None
    num_cutoff_ties: int | None
    max_metric_difference: float
    recgnn_means: dict[str, float]
    reference_means: dict[str, float]


def compose_config(model: str, k: int | None | str, data_root: Path) -> DictConfig:
    """Compose ``recgnn-train``'s config for one kNN setting on the given Gowalla split."""
    overrides = [f"model={model}", "dataset=gowalla", "split=given", "split.valid_ratio=0",
                 f"dataset.root={data_root}", "dataset.cache=false", "logger=none"]  # fmt: skip
    if k != "default":
        overrides.append(f"model.k={'null' if k is None else k}")
    register_resolvers()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


def sample_users(data: PreparedData, num_users: int, seed: int) -> np.ndarray:
    """Return up to ``num_users`` sorted user indices with test and training interactions."""
    split = data.split
    eligible = np.intersect1d(split.test.user_index, split.train.user_index)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(eligible, size=min(num_users, len(eligible)), replace=False))


def recgnn_side(cfg: DictConfig, data: PreparedData, users: np.ndarray) -> tuple:
    """Fit the model, then return its scores, per-user metrics and fit time for ``users``."""
    model = build_model(cfg.model, data.graph, data.features)
    started = time.perf_counter()
    model.fit(data.graph)
    fit_seconds = time.perf_counter() - started
    with torch.no_grad():
        scores = model.score_users(torch.from_numpy(users)).numpy()

    test = data.split.test
    targets = test.select(np.isin(test.user_index, users))
    result = Evaluator(data.num_items, [TOPK]).evaluate(model, targets, seen=[data.split.train])
    if not np.array_equal(result.user_index, users):
        skipped = np.setdiff1d(users, result.user_index)
        raise RuntimeError(
            f"the Evaluator skipped sampled users {skipped[:10].tolist()}, although each has "
            "training and test items; check sample_users and the Evaluator's user filter"
        )
    metrics = {name: result.per_user[f"{name}@{TOPK}"] for name in ("recall", "ndcg")}
    return scores, metrics, fit_seconds


def reference_side(folder: Path, data: PreparedData, users: np.ndarray, model: str, k) -> dict:
    """Return the reference's scores over recgnn's catalogue, per-user metrics, time and ties."""
    started = time.perf_counter()
    train = reference.read_pairs(folder / "train.txt")
    test = reference.read_pairs(folder / "test.txt")
    shape = (max(train[0].max(), test[0].max()) + 1, max(train[1].max(), test[1].max()) + 1)
    matrix = reference.binary_matrix(*train, shape)
    raw_users = data.split.train.user_ids[users].astype(np.int64)
    score_function = reference.userknn_scores if model == "userknn" else reference.itemknn_scores
    raw_scores = score_function(matrix, raw_users, k)
    seconds = time.perf_counter() - started

    # recgnn's catalogue is every item id in either file, in ascending id order.
    catalogue = data.split.train.item_ids.astype(np.int64)
    outside = np.setdiff1d(np.arange(shape[1]), catalogue)
    if raw_scores[:, outside].any():
        raise RuntimeError("the reference scored an item id that occurs in neither file")
    scores = raw_scores[:, catalogue]
    seen = [np.searchsorted(catalogue, train[1][train[0] == user]) for user in raw_users]
    targets = [np.searchsorted(catalogue, test[1][test[0] == user]) for user in raw_users]
    metrics = reference.ranking_metrics(scores, seen, targets, TOPK, TIE_RTOL)

    ties = (None, None)
    if k is not None and model == "userknn":
        ties = reference.count_cutoff_ties(matrix, raw_users, k)
    elif k is not None:
        ties = reference.count_cutoff_ties(matrix.T.tocsr(), np.arange(shape[1]), k)
    return {"scores": scores, "metrics": metrics, "seconds": seconds, "ties": ties}


def compare(model: str, k, data_root: Path, num_users: int, seed: int) -> Comparison:
    """Run one setting on both sides and summarise the differences."""
    cfg = compose_config(model, k, data_root)
    data = prepare_data(cfg)
    users = sample_users(data, num_users, seed)
    ours, our_metrics, fit_seconds = recgnn_side(cfg, data, users)
    folder = data_root / cfg.dataset.name
    reference_result = reference_side(folder, data, users, model, cfg.model.k)
    theirs, their_metrics = reference_result["scores"], reference_result["metrics"]

    difference = np.abs(ours.astype(np.float64) - theirs)
    nonzero = theirs != 0
    determined = their_metrics["determined"]
    metric_difference = max(
        float(np.abs(our_metrics[name] - their_metrics[name])[determined].max(initial=0.0))
        for name in ("recall", "ndcg")
    )
    return Comparison(
        model=model,
        k=cfg.model.k,
        num_users=len(users),
        fit_seconds=fit_seconds,
        reference_seconds=reference_result["seconds"],
        num_scores=difference.size,
        num_score_mismatches=int((~np.isclose(ours, theirs, rtol=SCORE_RTOL, atol=0.0)).sum()),
        max_abs_difference=float(difference.max(initial=0.0)),
        max_rel_difference=float((difference[nonzero] / theirs[nonzero]).max(initial=0.0)),
        num_determined=int(determined.sum()),
        num_rows_past_k=reference_result["ties"][0],
        num_cutoff_ties=reference_result["ties"][1],
        max_metric_difference=metric_difference,
        recgnn_means={name: float(values.mean()) for name, values in our_metrics.items()},
        reference_means={name: float(their_metrics[name].mean()) for name in ("recall", "ndcg")},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-root",
        type=Path,
        default=os.environ.get("RECGNN_DATA_DIR"),
        help="folder holding gowalla/ (default: $RECGNN_DATA_DIR)",
    )
    parser.add_argument("--num-users", type=int, default=300, help="test users sampled")
    parser.add_argument("--seed", type=int, default=2020, help="seed of the user sample")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("knn_reference.md"),
                        help="results page to write")  # fmt: skip
    args = parser.parse_args(argv)
    if args.data_root is None:
        parser.error("set RECGNN_DATA_DIR or --data-root to the folder holding gowalla/")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)

    load_before = os.getloadavg()
    started = time.perf_counter()
    results = []
    for model, k in SETTINGS:
        results.append(compare(model, k, args.data_root.resolve(), args.num_users, args.seed))
        log.info("%s", results[-1])
    timing = {"wall_seconds": time.perf_counter() - started,
              "load_before": load_before, "load_after": os.getloadavg(),
              "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}  # fmt: skip
    tolerances = {"topk": TOPK, "rtol": SCORE_RTOL, "tie_rtol": TIE_RTOL,
                  "metric_atol": METRIC_ATOL}  # fmt: skip
    write_report(results, args, tolerances, timing, args.out)
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
