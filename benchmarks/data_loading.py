"""Data-loading benchmark: Gowalla through ``prepare_data`` with a cold and a warm cache.

Run from the repository root (the exact command behind benchmarks/data_loading.md):

    RECGNN_DATA_DIR=../shared/data python -m benchmarks.data_loading \
        --json benchmarks/results/data-loading.json

Each repeat points ``$RECGNN_CACHE_DIR`` at a fresh folder, then times
``prepare_data`` twice: cold (parse the two text files, preprocess, split,
write the cache entry, build the graph) and warm (read the cache entry, build
the graph). It also times the cache read alone. Cold and warm alternate
within one process, so background load disturbs both alike and their ratio
is the number to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_dir

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.cache import ProcessedCache, cache_key
from recgnn.data.datamodule import dataset_loader, prepare_data


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="gowalla", help="dataset config name")
    parser.add_argument("--repeats", type=int, default=5, help="cold/warm pairs to time")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    parser.add_argument("overrides", nargs="*", help="extra overrides, e.g. split.valid_ratio=0")
    return parser.parse_args()


def time_prepare(cfg) -> tuple[float, int]:
    started = time.perf_counter()
    data = prepare_data(cfg)
    return time.perf_counter() - started, len(data.split.train)


def time_cache_read(cfg) -> float:
    raw_files = dataset_loader(cfg.dataset.name).locate(cfg.dataset, cfg.split)
    key = cache_key(raw_files, cfg.dataset, cfg.split)
    started = time.perf_counter()
    split = ProcessedCache().load(cfg.dataset.name, key)
    seconds = time.perf_counter() - started
    assert split is not None, "the warm run found no cache entry"
    return seconds


def main() -> None:
    args = parse_args()
    register_resolvers()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="data", overrides=[f"dataset={args.dataset}", *args.overrides])
    cold, warm, read, entry_bytes = [], [], [], 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            os.environ["RECGNN_CACHE_DIR"] = folder
            cold_seconds, cold_train = time_prepare(cfg)
            warm_seconds, warm_train = time_prepare(cfg)
            assert cold_train == warm_train, "the cache returned a different split"
            read.append(time_cache_read(cfg))
            entry_bytes = sum(p.stat().st_size for p in Path(folder).glob("*.pkl"))
        cold.append(cold_seconds)
        warm.append(warm_seconds)
        print(f"cold {cold_seconds:.3f} s, warm {warm_seconds:.3f} s, "
              f"cache read {read[-1]:.3f} s", flush=True)  # fmt: skip

    result = {
        "dataset": args.dataset,
        "overrides": args.overrides,
        "repeats": args.repeats,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "cold_median_seconds": statistics.median(cold),
        "warm_median_seconds": statistics.median(warm),
        "cache_read_seconds": read,
        "cache_read_median_seconds": statistics.median(read),
        "cold_over_warm": statistics.median(c / w for c, w in zip(cold, warm, strict=True)),
        "cache_entry_bytes": entry_bytes,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
    }
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
