"""The worker entry point: argument check and failure capture."""

from __future__ import annotations

import json

from omegaconf import OmegaConf

from recgnn.benchmark.grid import expand_grid
from recgnn.benchmark.runner import FAILURE_FILE, run_status
from recgnn.benchmark.worker import main
from tests.benchmark.helpers import compose_bench


def test_usage_error_without_config(tmp_path):
    assert main([]) == 2
    assert main([str(tmp_path)]) == 2


def test_failure_written_to_run_folder(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("RECGNN_DATA_DIR", str(data_dir))
    job = expand_grid(compose_bench(
        "models=[pop]", "seeds=[1]", 'overrides=["logger=none","trainer.batch_size=0"]'
    ))[0]  # fmt: skip
    OmegaConf.save(job.config, tmp_path / "config.yaml", resolve=True)

    assert main([str(tmp_path)]) == 1

    assert run_status(tmp_path) == "failed"
    error = json.loads((tmp_path / FAILURE_FILE).read_text())["error"]
    assert error == "ValueError: trainer.batch_size must be a positive integer, got 0"
