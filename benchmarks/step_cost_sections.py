"""The LightGCN step's per-node parts and its operator profile at two graph sizes."""

from __future__ import annotations

import gc
import resource
import time

import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.growth import STEP_BATCH_SIZE
from benchmarks.measure import time_interleaved
from benchmarks.product_sections import CPU
from benchmarks.report import print_table
from benchmarks.workload import EMBEDDING_DIM, LEARNING_RATE, Workload
from recgnn.training.trainer import build_adam


def per_node_costs(node_counts: dict[str, int], rounds: int) -> dict:
    """Time the step's parts that scale with the node count alone, interleaved."""
    runners = {}
    for label, num_nodes in node_counts.items():
        weight = torch.nn.Parameter(torch.randn(num_nodes, EMBEDDING_DIM))
        weight.grad = torch.randn(num_nodes, EMBEDDING_DIM)
        optimizer = build_adam([weight], LEARNING_RATE)
        runners[f"{label}|fused Adam step"] = optimizer.step
        runners[f"{label}|new zero-filled table"] = lambda n=num_nodes: torch.zeros(
            n, EMBEDDING_DIM
        )
        runners[f"{label}|zero an existing table"] = torch.empty(num_nodes, EMBEDDING_DIM).zero_
    timings = time_interleaved(runners, rounds, CPU, warmup=1)

    results: dict[str, dict] = {
        label: {"num_nodes": n, "page_faults_per_new_table": _page_faults_per_new_table(n)}
        for label, n in node_counts.items()
    }
    for key, timing in timings.items():
        label, part = key.split("|")
        results[label][part] = timing.best
    parts = ["fused Adam step", "new zero-filled table", "zero an existing table"]
    print_table(
        f"Per-node parts of a step (best of {rounds}, ms)",
        ["graph", "nodes", *parts, "4 KiB pages per table", "page faults per new table"],
        [
            [label, f"{r['num_nodes']:,}", *(f"{1000 * r[p]:.1f}" for p in parts)]
            + [
                f"{r['num_nodes'] * EMBEDDING_DIM * 4 // 4096:,}",
                f"{r['page_faults_per_new_table']:,.0f}",
            ]
            for label, r in results.items()
        ],
    )
    return results


def _page_faults_per_new_table(num_nodes: int, repeats: int = 5) -> float:
    """Return the mean minor page faults of ``repeats`` calls of ``torch.zeros(num_nodes, 64)``."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeats):
        torch.zeros(num_nodes, EMBEDDING_DIM)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / repeats


def profile_step(work: Workload, num_steps: int) -> dict:
    """Profile recgnn's step and return its operator table and self milliseconds per step."""
    _, step = work.recgnn_step()
    step(work.batch(STEP_BATCH_SIZE))
    started = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(num_steps):
            step(work.batch(STEP_BATCH_SIZE))
    wall = (time.perf_counter() - started) / num_steps
    averages = profiler.key_averages()
    table = averages.table(sort_by="self_cpu_time_total", row_limit=12)
    self_ms = {event.key: event.self_cpu_time_total / 1000 / num_steps for event in averages}
    return {"table": table, "self_ms_per_step": self_ms, "wall_seconds_per_step": wall}


def step_profiles(sizes: dict[str, dict], seed: int) -> dict:
    """Profile the step on two synthetic graphs, a mid-sized then a large one, and compare."""
    profiles = {}
    for label, arrays in sizes.items():
        work = Workload.from_arrays(arrays, CPU, seed)
        num_steps = 2 if work.graph.num_edges < 5_000_000 else 1
        profiles[label] = profile_step(work, num_steps)
        profiles[label]["directed_edges"] = 2 * work.graph.num_edges
        profiles[label]["num_nodes"] = work.graph.num_nodes
        print(f"### Profile of recgnn's step, {label}\n\n```\n{profiles[label]['table']}\n```\n")
        del work
        gc.collect()

    mid, large = (profiles[label] for label in sizes)
    ops = sorted(large["self_ms_per_step"], key=lambda op: -large["self_ms_per_step"][op])[:8]
    rows = [
        [
            op,
            f"{mid['self_ms_per_step'].get(op, 0):.1f}",
            f"{large['self_ms_per_step'][op]:.1f}",
            f"{large['self_ms_per_step'][op] / max(mid['self_ms_per_step'].get(op, 0), 1e-9):.1f}",
        ]
        for op in ops
    ]
    rows.append(
        [
            "wall time of the profiled step",
            f"{1000 * mid['wall_seconds_per_step']:.0f}",
            f"{1000 * large['wall_seconds_per_step']:.0f}",
            f"{large['wall_seconds_per_step'] / mid['wall_seconds_per_step']:.1f}",
        ]
    )
    edge_ratio = large["directed_edges"] / mid["directed_edges"]
    node_ratio = large["num_nodes"] / mid["num_nodes"]
    print_table(
        f"Self ms per step by operator (edges ×{edge_ratio:.1f}, nodes ×{node_ratio:.1f})",
        ["operator", *sizes, "ratio"],
        rows,
    )
    return profiles
