"""Cost against graph size on synthetic power-law graphs: build, step, evaluation, sampling."""

from __future__ import annotations

import gc
import time

import numpy as np
import torch

from benchmarks.evaluation_sections import MEGABYTE
from benchmarks.report import print_table
from benchmarks.synthetic import power_law_graph, split_one_test_item
from benchmarks.training_sections import FLOOR, RECGNN, STOCK, step_variants, time_adjacency_builds
from benchmarks.workload import Workload
from recgnn.evaluation.evaluator import Evaluator

STEP_BATCH_SIZE = 2048
NUM_EVAL_USERS = 1024
# Largest score block in bytes: keeps the evaluation of graphs with many items in memory.
MAX_SCORE_BLOCK_BYTES = 256 * MEGABYTE


def synthetic_arrays(num_edges: int, seed: int) -> dict:
    """Return one synthetic graph's training and held-out pairs, as ``Workload`` takes them."""
    users, items, num_users, num_items = power_law_graph(num_edges, seed)
    held_out = split_one_test_item(users, items, seed)
    return {
        "train_users": users[~held_out],
        "train_items": items[~held_out],
        "test_users": users[held_out],
        "test_items": items[held_out],
        "num_users": num_users,
        "num_items": num_items,
    }


def _evaluation_seconds(work: Workload) -> float:
    """Time the full-ranking evaluation of ``NUM_EVAL_USERS`` held-out users."""
    chosen = np.isin(work.test_users, np.unique(work.test_users)[:NUM_EVAL_USERS])
    model = work.recgnn_model()
    num_items = work.graph.num_items
    batch_size = max(1, min(1024, MAX_SCORE_BLOCK_BYTES // (4 * num_items)))
    evaluator = Evaluator(num_items, [20], batch_size, device=work.device)
    train = work.interactions(work.train_users, work.train_items)
    test = work.interactions(work.test_users[chosen], work.test_items[chosen])
    started = time.perf_counter()
    evaluator.evaluate(model, test, [train])
    return time.perf_counter() - started


def _one_size(
    num_edges: int, stock_max_edges: float, device: torch.device, rounds: int, seed: int
) -> dict:
    arrays = synthetic_arrays(num_edges, seed)
    builds = time_adjacency_builds(
        arrays["train_users"], arrays["train_items"], arrays["num_users"], arrays["num_items"]
    )
    work = Workload.from_arrays(arrays, device, seed)
    steps = step_variants(
        work,
        STEP_BATCH_SIZE,
        max(2, rounds - 2),
        with_stock=num_edges <= stock_max_edges,
        ablation=False,
        show=False,
    )
    started = time.perf_counter()
    work.sampler.sample(work.train_users, work.rng)
    sampling = time.perf_counter() - started
    return {
        "directed_edges": 2 * work.graph.num_edges,
        "num_users": work.graph.num_users,
        "num_items": work.graph.num_items,
        "adjacency_build_seconds": builds,
        "step": steps,
        "eval_seconds_1024_users": _evaluation_seconds(work),
        "sampling_epoch_seconds": sampling,
    }


def _row(size: dict) -> list:
    step, floor = size["step"][RECGNN]["best"], size["step"][FLOOR]["best"]
    stock = size["step"].get(STOCK, {}).get("best")
    edges = size["directed_edges"]
    build = size["adjacency_build_seconds"]
    return [
        f"{edges:,}",
        f"{size['num_users']:,}",
        f"{size['num_items']:,}",
        f"{build['recgnn now']:.2f}",
        f"{build['previous (COO coalesce)']:.2f}",
        f"{1000 * step:.0f}",
        f"{1000 * floor:.0f}",
        f"{step / floor:.2f}",
        f"{1000 * step / (edges / 1e6):.1f}",
        "not run" if stock is None else f"{1000 * stock:.0f}",
        "" if stock is None else f"{stock / step:.1f}x",
        f"{size['eval_seconds_1024_users']:.2f}",
        f"{size['sampling_epoch_seconds']:.2f}",
    ]


def synthetic_growth(
    sizes: list[int], stock_max_edges: float, device: torch.device, rounds: int, seed: int
) -> list[dict]:
    """Measure every size in turn and print one table row per size."""
    results = []
    for num_edges in sizes:
        results.append(_one_size(num_edges, stock_max_edges, device, rounds, seed))
        gc.collect()
        print(f"synthetic graph of {num_edges:.0e} drawn edges measured", flush=True)
    print_table(
        f"Synthetic power-law graphs (step at batch {STEP_BATCH_SIZE}, best of rounds)",
        [
            "directed edges",
            "users",
            "items",
            "build s",
            "previous build s",
            "step ms",
            "floor ms",
            "step / floor",
            "step ms per M edges",
            "stock step ms",
            "stock / recgnn",
            f"eval s for {NUM_EVAL_USERS} users",
            "sampling s per epoch",
        ],
        [_row(size) for size in results],
    )
    return results
