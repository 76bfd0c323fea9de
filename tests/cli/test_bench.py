"""``recgnn-bench`` command line: a changed grid never replaces a preset's report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recgnn.cli.bench import check_report_target

BENCH = str(Path(sys.executable).parent / "recgnn-bench")
PRESET_REPORT = "benchmarks/reports/ml100k"


@pytest.mark.parametrize(
    "overrides",
    [
        ["models=[pop]"],
        ["bench=ml100k", "seeds=[1]"],
        ['+model_overrides.lightgcn=["trainer.lr=0.001"]', "baseline=pop"],
        ["significance.metric=recall@20"],
        ["~seeds"],
    ],
)
def test_changed_grid_under_preset_name_rejected(overrides):
    with pytest.raises(
        ValueError,
        match=rf"keeps the preset's name, so its report would "
        rf"replace {PRESET_REPORT}; give it a name",
    ):
        check_report_target(overrides, "ml100k", PRESET_REPORT)


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["bench=gowalla", "fail_fast=true", "run_timeout=60", "work_dir=/tmp/x"],
        ["models=[pop]", "name=ml100k_quick"],
        ["models=[pop]", f"report_dir={PRESET_REPORT}"],
    ],
)
def test_preset_rerun_or_named_grid_allowed(overrides):
    check_report_target(overrides, "ml100k", PRESET_REPORT)


def test_command_stops_before_any_run(tmp_path):
    done = subprocess.run(
        [BENCH, "models=[pop]"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "WANDB_MODE": "offline"},
    )  # fmt: skip
    assert done.returncode != 0
    assert "give it a name of its own, e.g. name=ml100k_custom" in done.stderr
    assert not (tmp_path / "benchmarks").exists()
    assert not list(tmp_path.rglob("runs"))
