"""Speed benchmark: LightGCN training and full-ranking evaluation against PyG's stock path.

Run from the repository root (the exact command behind benchmarks/speed.md):

    python -m benchmarks.speed --json benchmarks/results/speed-cpu.json

It reads Gowalla's ``train.txt`` and ``test.txt`` from ``--data-dir``
(default ``$RECGNN_DATA_DIR/gowalla``), measures everything in this one
process, prints Markdown tables as it goes and writes all numbers to
``--json``. ``--device cuda`` runs the same measurements on a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.evaluation_sections import (
    evaluation_ablation,
    evaluation_memory_case,
    evaluation_profile,
    full_evaluation,
)
from benchmarks.growth import synthetic_growth
from benchmarks.measure import OtherLoad, environment
from benchmarks.training_sections import (
    adjacency_build,
    negative_sampling,
    one_trainer_epoch,
    step_profile,
    step_variants,
    thread_comparison,
)
from benchmarks.workload import Workload
from recgnn.data.lightgcn_format import read_user_item_lists


def parse_args() -> argparse.Namespace:
    default_data = Path(os.environ.get("RECGNN_DATA_DIR", "data")) / "gowalla"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data,
        help="folder with Gowalla's train.txt and test.txt",
    )
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads (default: torch's choice)",
    )
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[2048, 8192],
        help="training batch sizes; the first one is also used for the profile and sampling",
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="interleaved timing rounds per comparison"
    )
    parser.add_argument(
        "--synthetic-edges",
        type=float,
        nargs="*",
        default=[1e5, 3e5, 1e6, 3e6, 1e7],
        help="drawn user-item pairs of each synthetic power-law graph (none: skip them)",
    )
    parser.add_argument(
        "--stock-max-edges",
        type=float,
        default=1.1e6,
        help="largest synthetic graph on which PyG's stock step is timed",
    )
    parser.add_argument(
        "--epoch",
        action="store_true",
        help="also run one full Trainer epoch at the first batch size (about 400 steps on "
        "Gowalla) and evaluate the trained model instead of the untrained one",
    )
    parser.add_argument("--json", type=Path, default=None, help="write all numbers here")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the embeddings, batches and synthetic graphs"
    )
    return parser.parse_args()


def load_gowalla(folder: Path) -> dict[str, np.ndarray | int]:
    if not (folder / "train.txt").is_file():
        raise SystemExit(
            f"{folder / 'train.txt'} not found; pass --data-dir pointing at the folder with "
            "Gowalla's train.txt and test.txt, e.g. --data-dir /work/shared/data/gowalla"
        )
    train_users, train_items = read_user_item_lists(folder / "train.txt")
    test_users, test_items = read_user_item_lists(folder / "test.txt")
    return {
        "train_users": train_users,
        "train_items": train_items,
        "test_users": test_users,
        "test_items": test_items,
        "num_users": int(max(train_users.max(), test_users.max())) + 1,
        "num_items": int(max(train_items.max(), test_items.max())) + 1,
    }


def main() -> None:
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    load = OtherLoad()
    load.start()
    command = " ".join(["python -m benchmarks.speed", *sys.argv[1:]])
    report: dict = {"command": command, "environment": environment(device)}
    print("## Environment\n\n" + json.dumps(report["environment"], indent=2) + "\n")

    started = time.perf_counter()
    gowalla = load_gowalla(args.data_dir)
    report["gowalla_load_seconds"] = time.perf_counter() - started
    work = Workload.from_arrays(gowalla, device, args.seed)
    print(
        f"Gowalla: {work.graph.num_users} users, {work.graph.num_items} items, "
        f"{2 * work.graph.num_edges} directed edges\n"
    )

    report["adjacency_build"] = adjacency_build(
        work.train_users, work.train_items, work.graph.num_users, work.graph.num_items
    )
    report["training_step"] = {
        batch_size: step_variants(work, batch_size, args.rounds) for batch_size in args.batch_sizes
    }
    report["step_profile"] = step_profile(work, args.batch_sizes[0])
    if device.type == "cpu":
        report["threads"] = thread_comparison(work, args.batch_sizes[0], args.rounds)
    report["negative_sampling"] = negative_sampling(work, args.batch_sizes[0], report)
    if args.epoch:
        report["trainer_epoch"] = one_trainer_epoch(work, args.batch_sizes[0])
    report["evaluation"] = full_evaluation(work)
    report["evaluation_profile"] = evaluation_profile(work)
    report["evaluation_ablation"] = evaluation_ablation(work)
    report["evaluation_memory_case"] = evaluation_memory_case(device)
    report["synthetic"] = synthetic_growth(
        [int(e) for e in args.synthetic_edges],
        args.stock_max_edges,
        device,
        args.rounds,
        args.seed,
    )

    report["machine_load"] = load.stop()
    report["peak_resident_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print("## Machine load during the run\n\n" + json.dumps(report["machine_load"], indent=2))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
