"""Collection: the per-run table, means over seeds, per-user values and the measured columns."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.benchmark.collect import is_measured, per_user_values, results_table, summary_table
from recgnn.benchmark.runner import RunRecord
from tests.benchmark.helpers import fake_job, finished_record


def test_results_rows_follow_grid(tmp_path):
    runs = tmp_path / "runs"
    records = [
        finished_record(fake_job("a", 1), runs, [0.1, 0.3], train_seconds=4.0, epochs_run=2),
        RunRecord(fake_job("b", 1), runs / "b", "failed", error="RuntimeError: boom"),
    ]

    table = results_table(records, tmp_path)

    assert table["model"].tolist() == ["a", "b"]
    assert table.loc[0, "run_dir"] == f"runs/toy/a/seed1-{records[0].job.config_hash}"
    assert table.loc[0, "test/ndcg@20"] == pytest.approx(0.2)
    assert table.loc[0, "train_seconds_per_epoch"] == pytest.approx(4.0 / 2)
    assert table.loc[1, "error"] == "RuntimeError: boom"
    assert np.isnan(table.loc[1, "test/ndcg@20"])


def test_summary_mean_and_sample_std(tmp_path):
    runs = tmp_path / "runs"
    records = [finished_record(fake_job("a", seed), runs, [value], 1.0, 1)
               for seed, value in ((1, 0.1), (2, 0.2), (3, 0.6))]  # fmt: skip

    summary = summary_table(results_table(records, tmp_path)).set_index("model")

    assert summary.loc["a", "num_seeds"] == 3
    assert summary.loc["a", "test/ndcg@20"] == pytest.approx(0.3)
    # Sample standard deviation: sqrt(((0.1-0.3)^2 + (0.2-0.3)^2 + (0.6-0.3)^2) / 2).
    assert summary.loc["a", "test/ndcg@20_std"] == pytest.approx(np.sqrt(0.14 / 2))


def test_per_user_mean_over_seeds_on_common_users(tmp_path):
    first = finished_record(fake_job("a", 1), tmp_path, [0.2, 0.4, 0.6]).run_dir
    second = finished_record(fake_job("a", 2), tmp_path, [0.4, 0.0]).run_dir

    values = per_user_values([first, second], "ndcg@20")

    assert values.index.tolist() == [0, 1]
    assert values.tolist() == pytest.approx([0.3, 0.2])


def test_per_user_unknown_metric_raises(tmp_path):
    run_dir = finished_record(fake_job("a", 1), tmp_path, [0.2]).run_dir

    with pytest.raises(ValueError, match=r"significance.metric='mrr@20' is not a column"):
        per_user_values([run_dir], "mrr@20")


def test_measured_columns():
    assert is_measured("train_seconds")
    assert is_measured("train_seconds_per_epoch")
    assert is_measured("peak_rss_mib")
    assert not is_measured("test/ndcg@20")
    assert not is_measured("best_epoch")
