"""Causes of the LightGCN step's growth with size on synthetic power-law graphs.

Run from the repository root (the command behind the growth section of
benchmarks/speed.md):

    python -m benchmarks.growth_causes --threads 1 --json benchmarks/results/growth-causes.json

In one process it times single sparse products, first with the edge count
held fixed while the node count varies, then the reverse. It times the same
graphs in several node orders and the step's per-node parts (Adam,
zero-filled tables), and profiles recgnn's step at a mid-sized and the
largest graph of benchmarks/speed.md. Last, it runs a short probe in child processes that
alternate torch's transparent huge pages off and on (``THP_MEM_ALLOC_ENABLE``,
which torch reads once per process).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import torch
from torch_geometric.utils import spmm

from benchmarks.growth import STEP_BATCH_SIZE, synthetic_arrays
from benchmarks.measure import OtherLoad, environment, time_interleaved
from benchmarks.product_sections import (
    CPU,
    adjacency,
    edges_at_fixed_nodes,
    node_order_effect,
    nodes_at_fixed_edges,
    reordered_matrices,
)
from benchmarks.report import print_table
from benchmarks.speed import load_gowalla
from benchmarks.step_cost_sections import per_node_costs, step_profiles
from benchmarks.synthetic import EDGES_PER_ITEM, EDGES_PER_USER, power_law_graph
from benchmarks.workload import EMBEDDING_DIM, Workload

FIXED_PAIRS = 2_000_000
NODE_COUNTS = [8_000, 32_000, 128_000, 512_000, 2_048_000]
# 870,370 nodes is the largest synthetic graph of benchmarks/speed.md (10^7 drawn pairs).
FIXED_NODE_COUNTS = [16_000, 870_370]
PAIR_COUNTS = [500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000]
MID_PAIRS, LARGE_PAIRS = 1_000_000, 10_000_000
PROBE_PAIRS = 3_000_000
# Drawn pairs that give about Gowalla's 810,128 distinct pairs over its 29,858 users and
# 40,981 items, so that only the structure of the graph differs from Gowalla.
GOWALLA_SIZED_PAIRS = 902_000
HUGE_PAGES = "THP_MEM_ALLOC_ENABLE"


def parse_args() -> argparse.Namespace:
    default_data = Path(os.environ.get("RECGNN_DATA_DIR", "data")) / "gowalla"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data,
        help="folder with Gowalla's train.txt and test.txt",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per comparison")
    parser.add_argument(
        "--huge-page-rounds",
        type=int,
        default=2,
        help="child-process pairs for the huge-page probe (0 skips it)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of graphs, inputs and batches")
    parser.add_argument("--json", type=Path, default=None, help="write all numbers here")
    parser.add_argument(
        "--huge-page-probe",
        action="store_true",
        help="internal: run only the probe and print its numbers as JSON",
    )
    return parser.parse_args()


def huge_page_probe(seed: int) -> dict:
    """Time a new table, one product and recgnn's step on one graph (run in a child process)."""
    work = Workload.from_arrays(synthetic_arrays(PROBE_PAIRS, seed), CPU, seed)
    num_nodes = work.graph.num_nodes
    x = torch.randn(num_nodes, EMBEDDING_DIM)
    _, step = work.recgnn_step()
    runners = {
        "new zero-filled table": lambda: torch.zeros(num_nodes, EMBEDDING_DIM),
        "spmm": lambda: spmm(work.adjacency, x),
        "recgnn step": lambda: step(work.batch(STEP_BATCH_SIZE)),
    }
    timings = time_interleaved(runners, 2, CPU, warmup=1)
    return {name: timing.best for name, timing in timings.items()}


def huge_page_comparison(rounds: int, args: argparse.Namespace) -> dict:
    """Run the probe in child processes, alternating torch's huge-page setting off and on."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.growth_causes",
        "--huge-page-probe",
        "--threads",
        str(args.threads),
        "--seed",
        str(args.seed),
    ]
    best: dict[str, dict[str, float]] = {"0": {}, "1": {}}
    for _ in range(rounds):
        for setting in best:
            env = {**os.environ, HUGE_PAGES: setting}
            child = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            for name, seconds in json.loads(child.stdout.strip().splitlines()[-1]).items():
                best[setting][name] = min(seconds, best[setting].get(name, float("inf")))
    print_table(
        f"{PROBE_PAIRS:,} drawn pairs, {HUGE_PAGES} off and on "
        f"(best of {rounds} processes each, ms)",
        ["part", f"{HUGE_PAGES}=0", f"{HUGE_PAGES}=1", "speed-up"],
        [
            [
                name,
                f"{1000 * off:.1f}",
                f"{1000 * best['1'][name]:.1f}",
                f"{off / best['1'][name]:.2f}",
            ]
            for name, off in best["0"].items()
        ],
    )
    return best


def _gowalla_sized_graph(gowalla: dict, seed: int) -> torch.Tensor:
    """Return Â of a synthetic power-law graph with Gowalla's users, items and edge count."""
    num_users, num_items = gowalla["num_users"], gowalla["num_items"]
    users, items, _, _ = power_law_graph(
        GOWALLA_SIZED_PAIRS, seed, num_users=num_users, num_items=num_items
    )
    return adjacency(users, items, num_users, num_items)


def _load_without_children(load: dict) -> dict:
    """Move the probe processes' CPU time from the other processes' share to this run's own."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_seconds = children.ru_utime + children.ru_stime
    load["own_cpu_seconds"] += child_seconds
    load["other_cpu_seconds"] -= child_seconds
    load["other_share_of_machine"] = load["other_cpu_seconds"] / (
        load["wall_seconds"] * len(os.sched_getaffinity(0))
    )
    return load


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    if args.huge_page_probe:
        print(json.dumps(huge_page_probe(args.seed)))
        return
    load = OtherLoad()
    load.start()
    report: dict = {
        "command": " ".join(["python -m benchmarks.growth_causes", *sys.argv[1:]]),
        "environment": environment(CPU),
        HUGE_PAGES: os.environ.get(HUGE_PAGES),
    }
    print("## Environment\n\n" + json.dumps(report["environment"], indent=2) + "\n", flush=True)

    report["nodes_at_fixed_edges"] = nodes_at_fixed_edges(
        FIXED_PAIRS, NODE_COUNTS, args.rounds, args.seed
    )
    report["edges_at_fixed_nodes"] = {
        n: edges_at_fixed_nodes(n, PAIR_COUNTS, args.rounds, args.seed) for n in FIXED_NODE_COUNTS
    }
    gc.collect()

    gowalla = load_gowalla(args.data_dir)
    mid, large = synthetic_arrays(MID_PAIRS, args.seed), synthetic_arrays(LARGE_PAIRS, args.seed)
    small_group = {
        **reordered_matrices(gowalla, "Gowalla", args.seed, with_shuffle=True),
        **reordered_matrices(mid, "synthetic 10^6 pairs", args.seed, with_shuffle=False),
    }
    small_group["synthetic with Gowalla's sizes, ids as given"] = _gowalla_sized_graph(
        gowalla, args.seed
    )
    report["node_order"] = node_order_effect(small_group, args.rounds + 2, with_spmm=True)
    large_group = reordered_matrices(large, "synthetic 10^7 pairs", args.seed, with_shuffle=False)
    report["node_order"].update(node_order_effect(large_group, args.rounds, with_spmm=False))
    del small_group, large_group
    gc.collect()

    node_counts = {"Gowalla": gowalla["num_users"] + gowalla["num_items"]}
    for pairs in (MID_PAIRS, PROBE_PAIRS, LARGE_PAIRS):
        # The synthetic graphs' node counts follow from the pairs alone (benchmarks/synthetic.py).
        node_counts[f"synthetic, {pairs:,} pairs"] = (
            pairs // EDGES_PER_USER + pairs // EDGES_PER_ITEM
        )
    report["per_node_costs"] = per_node_costs(node_counts, args.rounds)
    profiles = step_profiles({"10^6 pairs": mid, "10^7 pairs": large}, args.seed)
    report["step_profiles"] = profiles
    if args.huge_page_rounds > 0:
        report["huge_pages"] = huge_page_comparison(args.huge_page_rounds, args)

    report["machine_load"] = _load_without_children(load.stop())
    print("## Machine load during the run\n\n" + json.dumps(report["machine_load"], indent=2))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
