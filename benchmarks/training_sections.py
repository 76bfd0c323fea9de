"""Training-side measurements: adjacency build, step variants, profile, threads, sampling."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.baselines import (
    previous_normalized_adjacency,
    previous_recgnn_step,
    sparse_product_floor,
    stock_pyg_step,
)
from benchmarks.measure import time_interleaved
from benchmarks.report import print_table
from benchmarks.workload import EMBEDDING_DIM, L2_REG, LEARNING_RATE, NUM_LAYERS, Workload
from recgnn.data.datamodule import PreparedData
from recgnn.data.graph import BipartiteGraph
from recgnn.data.sampler import NegativeSampler
from recgnn.data.split import Split
from recgnn.evaluation.evaluator import Evaluator
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer

STOCK = "PyG stock: get_embedding(edge_index)"
RECGNN = "recgnn now (+ fused Adam)"
FLOOR = "floor: 3 + 3 sparse products"


def time_adjacency_builds(
    users: np.ndarray, items: np.ndarray, num_users: int, num_items: int
) -> dict[str, float]:
    """Time building Â from the edge list: recgnn now (SciPy CSR) against the previous COO sort."""
    seconds = {}
    for name, build in [
        ("recgnn now", lambda g: g.normalized_adjacency),
        ("previous (COO coalesce)", previous_normalized_adjacency),
    ]:
        graph = BipartiteGraph(
            torch.from_numpy(users), torch.from_numpy(items), num_users, num_items
        )
        started = time.perf_counter()
        build(graph)
        seconds[name] = time.perf_counter() - started
    return seconds


def adjacency_build(users: np.ndarray, items: np.ndarray, num_users: int, num_items: int) -> dict:
    seconds = time_adjacency_builds(users, items, num_users, num_items)
    print_table(
        "Normalized adjacency build (edge list to CSR, includes the degrees)",
        ["build", "seconds"],
        [[name, f"{value:.3f}"] for name, value in seconds.items()],
    )
    return seconds


def _step_runners(work: Workload, batch_size: int, with_stock: bool, ablation: bool) -> dict:
    """Return ``name -> step(batch)`` for the compared variants, all from the same weights."""
    weight = work.initial_weight
    num_users = work.graph.num_users
    steps = {}
    if with_stock:
        stock, steps[STOCK] = stock_pyg_step(
            work.graph, EMBEDDING_DIM, NUM_LAYERS, LEARNING_RATE, L2_REG, work.device
        )
        with torch.no_grad():
            stock.embedding.weight.copy_(weight)
    if ablation:
        common = (num_users, weight, NUM_LAYERS, LEARNING_RATE, L2_REG)
        steps["recgnn before: cached Â, LGConv, autograd backward"] = previous_recgnn_step(
            work.previous_adjacency, *common, propagation="autograd"
        )
        steps["+ symmetric backward (reuses Â)"] = previous_recgnn_step(
            work.previous_adjacency, *common, propagation="symmetric"
        )
        steps["+ int32 CSR indices"] = previous_recgnn_step(
            work.adjacency, *common, propagation="symmetric"
        )
        steps["+ one gather per table"] = previous_recgnn_step(
            work.adjacency, *common, propagation="symmetric", one_gather=True
        )
    _, steps[RECGNN] = work.recgnn_step()
    return steps


def step_variants(
    work: Workload,
    batch_size: int,
    rounds: int,
    with_stock: bool = True,
    ablation: bool = True,
    show: bool = True,
) -> dict:
    """Time one BPR step (sampling included) of each variant, interleaved, plus the floor."""
    steps = _step_runners(work, batch_size, with_stock, ablation)
    first_batch = work.batch(batch_size)
    losses = {name: float(step(first_batch)) for name, step in steps.items()}
    reference = losses[RECGNN]
    mismatched = {n: v for n, v in losses.items() if abs(v - reference) > 1e-5 * abs(reference)}
    if mismatched:
        raise AssertionError(f"the variants disagree on the first loss: {losses}")

    runners = {
        name: (lambda step=step: step(work.batch(batch_size))) for name, step in steps.items()
    }
    runners[FLOOR] = sparse_product_floor(work.adjacency, work.initial_weight, NUM_LAYERS)
    timings = time_interleaved(runners, rounds, work.device, warmup=0)
    result = {
        name: {"best": t.best, "median": t.median, "seconds": t.seconds}
        for name, t in timings.items()
    }
    result["first_loss"] = reference
    if show:
        _print_steps(timings, batch_size)
    return result


def _print_steps(timings: dict, batch_size: int) -> None:
    stock_time = timings[STOCK] if STOCK in timings else None
    rows = []
    for name, timing in timings.items():
        speedup = "" if stock_time is None else f"{stock_time.best / timing.best:.1f}x"
        median_speedup = "" if stock_time is None else f"{stock_time.median / timing.median:.1f}x"
        rows.append(
            [
                name,
                f"{1000 * timing.best:.0f}",
                f"{1000 * timing.median:.0f}",
                speedup,
                median_speedup,
                f"{timing.best / timings[FLOOR].best:.2f}",
            ]
        )
    print_table(
        f"Training step at batch {batch_size} (sampling, forward, BPR, backward, Adam)",
        [
            "variant",
            "best ms",
            "median ms",
            "vs stock (best)",
            "vs stock (median)",
            "/ floor (best)",
        ],
        rows,
    )


def step_profile(work: Workload, batch_size: int, num_steps: int = 3) -> str:
    """Return torch.profiler's operator table over a few of recgnn's steps."""
    _, step = work.recgnn_step()
    step(work.batch(batch_size))
    activities = [ProfilerActivity.CPU]
    if work.device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as profiler:
        for _ in range(num_steps):
            step(work.batch(batch_size))
    sort_by = "self_cuda_time_total" if work.device.type == "cuda" else "self_cpu_time_total"
    table = profiler.key_averages().table(sort_by=sort_by, row_limit=14)
    print(f"### Profile of {num_steps} recgnn steps at batch {batch_size}\n\n```\n{table}\n```\n")
    return table


def thread_comparison(work: Workload, batch_size: int, rounds: int) -> dict:
    """Time recgnn's step with one torch thread against the default count, interleaved."""
    default_threads = torch.get_num_threads()
    _, step = work.recgnn_step()

    def with_threads(count: int):
        def run():
            torch.set_num_threads(count)
            try:
                step(work.batch(batch_size))
            finally:
                torch.set_num_threads(default_threads)

        return run

    counts = sorted({1, default_threads})
    timings = time_interleaved(
        {f"{c} threads": with_threads(c) for c in counts}, rounds, work.device
    )
    print_table(
        f"recgnn step at batch {batch_size} by torch thread count",
        ["threads", "best ms", "median ms"],
        [[name, f"{1000 * t.best:.0f}", f"{1000 * t.median:.0f}"] for name, t in timings.items()],
    )
    return {name: {"best": t.best, "median": t.median} for name, t in timings.items()}


def negative_sampling(work: Workload, batch_size: int, report: dict, repeats: int = 3) -> dict:
    """Time sampling one negative for every training row (one epoch), alone."""
    started = time.perf_counter()
    sampler = NegativeSampler(
        work.train_users, work.train_items, work.graph.num_users, work.graph.num_items
    )
    build_seconds = time.perf_counter() - started
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        sampler.sample(work.train_users, work.rng)
        seconds.append(time.perf_counter() - started)
    num_steps = -(-len(work.train_users) // batch_size)
    step_best = report["training_step"][batch_size][RECGNN]["best"]
    share = min(seconds) / (min(seconds) + num_steps * step_best)
    print_table(
        f"Negative sampling for one epoch ({len(work.train_users)} draws)",
        ["sampler build s", "epoch best s", "epoch median s", "share of epoch"],
        [
            [
                f"{build_seconds:.3f}",
                f"{min(seconds):.3f}",
                f"{np.median(seconds):.3f}",
                f"{100 * share:.2f} %",
            ]
        ],
    )
    return {"build_seconds": build_seconds, "epoch_seconds": seconds, "share_of_epoch": share}


def one_trainer_epoch(work: Workload, batch_size: int) -> dict:
    """Run recgnn's Trainer for one full epoch on the training pairs, as ``recgnn-train`` does."""
    train = work.interactions(work.train_users, work.train_items)
    empty = work.interactions(work.train_users[:0], work.train_items[:0])
    test = work.interactions(work.test_users, work.test_items)
    data = PreparedData("gowalla", Split(train, empty, test), work.graph)

    model = work.recgnn_model()
    evaluator = Evaluator(work.graph.num_items, [20], device=work.device)
    trainer = Trainer(
        model,
        data,
        evaluator,
        Tracker(),
        np.random.default_rng(0),
        epochs=1,
        batch_size=batch_size,
        lr=LEARNING_RATE,
        l2_reg=L2_REG,
        patience=None,
        device=work.device,
        progress_bar=False,
    )
    result = trainer.fit()
    work.trained_model = model

    loss = result.history[-1]["train/loss"]
    print_table(
        f"One Trainer epoch at batch {batch_size}",
        ["seconds", "steps", "loss"],
        [[f"{result.train_seconds:.1f}", -(-len(train) // batch_size), f"{loss:.4f}"]],
    )
    return {"seconds": result.train_seconds, "loss": loss}
