"""``recgnn-data`` as a user runs it: the installed console script and its stats.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from recgnn.cli.data import format_statistics
from recgnn.data.datamodule import prepare_data
from recgnn.training.pipeline import train_and_evaluate
from tests.data.configs import compose_config, write_lightgcn, write_text

DATA = str(Path(sys.executable).parent / "recgnn-data")


def run_data(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DATA, *args], cwd=cwd, env={**os.environ, **env},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_gowalla_statistics_printed_and_saved(tmp_path, data_dir):
    run_dir = tmp_path / "run"
    done = run_data(["dataset=gowalla", f"hydra.run.dir={run_dir}"], tmp_path,
                    RECGNN_DATA_DIR=str(data_dir))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    stats = json.loads((run_dir / "stats.json").read_text())
    assert (stats["num_users"], stats["num_items"]) == (29_858, 40_981)
    assert stats["num_train"] + stats["num_valid"] == 810_128
    assert stats["num_test"] == 217_242
    assert stats["split"] == "given"
    for line in ("users                                 29,858",
                 "items                                 40,981",
                 "test                                  217,242",
                 "train + valid (given training file)   810,128"):  # fmt: skip
        assert line in done.stdout


def test_statistics_of_own_log(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item\na,x\na,y\nb,x\nb,y\nb,z\nc,z\n")
    cfg = compose_config("data", ["dataset=file", f"dataset.path={path}",
                                  "split=leave_one_out", "split.order=random"])  # fmt: skip
    stats = {**prepare_data(cfg).stats(), "split": "leave_one_out"}

    assert (stats["num_users"], stats["num_items"], stats["num_interactions"]) == (3, 3, 6)
    assert stats["num_test"] == 2  # a and b hold out one row each; c has one row
    assert stats["num_valid"] == 1  # only b has three rows
    assert stats["density"] == 6 / 9
    # Each user keeps exactly one training row.
    assert set(stats["user_degree"].values()) == {1.0}
    text = format_statistics(stats)
    assert "dataset file, split leave_one_out" in text
    assert "interactions                          6" in text


def test_every_split_trains_on_small_data(tmp_path):
    # One model=pop run per split through the training pipeline: the splits
    # plug into recgnn-train, not only into recgnn-data.
    log = "user,item,t\n" + "".join(f"u{k % 5},i{k % 7},{k}\n" for k in range(35))
    path = write_text(tmp_path / "log.csv", log)
    write_lightgcn(tmp_path, "yelp2018", {0: [0, 1, 2], 1: [1, 2, 3]}, {0: [3], 1: [0]})
    runs = {
        "random": ["dataset=file", f"dataset.path={path}", "split=random"],
        "temporal": ["dataset=file", f"dataset.path={path}", "dataset.timestamp_column=t",
                     "split=temporal"],
        "user_temporal": ["dataset=file", f"dataset.path={path}",
                          "dataset.timestamp_column=t", "split=user_temporal"],
        "leave_one_out": ["dataset=file", f"dataset.path={path}",
                          "dataset.timestamp_column=t", "split=leave_one_out"],
        "given": ["dataset=yelp2018", f"dataset.root={tmp_path}", "split=given"],
    }  # fmt: skip
    for name, overrides in runs.items():
        cfg = compose_config("train", [*overrides, "model=pop", "logger=none",
                                       "trainer.progress_bar=false"])  # fmt: skip
        assert prepare_data(cfg).split.test.user_index.size > 0, name
        metrics = train_and_evaluate(cfg, tmp_path / name)
        assert "test/recall@20" in metrics, name
