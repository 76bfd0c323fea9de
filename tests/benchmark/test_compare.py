"""Comparing two results.csv files: accuracy must match exactly, times may differ."""

from __future__ import annotations

import pandas as pd

from recgnn.benchmark.compare import compare_results, main


def write_results(path, ndcg: float, seconds: float, models=("pop", "lightgcn")):
    rows = [
        {"dataset": "toy", "model": model, "seed": 1, "status": "finished",
         "run_dir": f"{path.parent.name}/{model}", "test/ndcg@20": ndcg,
         "train_seconds": seconds, "peak_rss_mib": seconds * 100, "error": ""}
        for model in models
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_times_and_folders_may_differ(tmp_path):
    old = write_results(tmp_path / "old.csv", 0.25, 1.0)
    new = write_results(tmp_path / "new.csv", 0.25, 9.0)

    assert compare_results(old, new) == []
    assert main([str(old), str(new)]) == 0


def test_changed_metric_reported(tmp_path):
    old = write_results(tmp_path / "old.csv", 0.25, 1.0)
    new = write_results(tmp_path / "new.csv", 0.25000001, 1.0)

    differences = compare_results(old, new)

    assert differences == [
        "('toy', 'pop', 1) test/ndcg@20: 0.25 -> 0.25000001",
        "('toy', 'lightgcn', 1) test/ndcg@20: 0.25 -> 0.25000001",
    ]
    assert main([str(old), str(new)]) == 1


def test_missing_run_reported(tmp_path):
    old = write_results(tmp_path / "old.csv", 0.25, 1.0)
    new = write_results(tmp_path / "new.csv", 0.25, 1.0, models=("pop",))

    assert compare_results(old, new) == ["run ('toy', 'lightgcn', 1) is in only one file"]
