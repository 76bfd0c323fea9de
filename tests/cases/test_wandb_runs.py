"""W&B without network: one finished run per job, and no job waits on an unreachable server.

In a multirun, Hydra runs the jobs one after another in one process, so each
job must close its W&B run before the next one opens its own. Without
``WANDB_MODE`` and without network, a run falls back to offline logging. After
one failed online start, the later jobs of the process log offline at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import wandb

from recgnn.tracking.wandb_tracker import WandbTracker
from recgnn.training.pipeline import train_and_evaluate
from tests.cases.builders import compose_train, write_log

TRAIN = str(Path(sys.executable).parent / "recgnn-train")


class FakeRun:
    """A stand-in for ``wandb.Run`` that appends its init, log and finish calls to ``events``."""

    def __init__(self, events: list, number: int, mode: str, config: dict):
        self.events, self.id, self.dir, self.mode = events, f"run{number}", "unused", mode
        self.config, self.summary = config, {}
        events.append(("init", self.id, mode))

    def log(self, metrics, step):
        self.events.append(("log", self.id))

    def finish(self, exit_code=0):
        self.events.append(("finish", self.id, exit_code))


@pytest.fixture
def fake_wandb(monkeypatch):
    """Replace ``wandb.init`` by FakeRun and return the event list and the runs made."""
    events, runs = [], []

    def fake_init(mode, config, **options):
        if mode == "online":
            events.append(("init failed", mode))
            raise TimeoutError("no network")
        runs.append(FakeRun(events, len(runs), mode, config))
        return runs[-1]

    monkeypatch.setattr(wandb, "init", fake_init)
    monkeypatch.setattr(WandbTracker, "online_start_failed", False)
    return events, runs


@pytest.fixture(scope="module")
def tiny_log(tmp_path_factory) -> Path:
    rng = np.random.default_rng(1)
    keys = rng.choice(20 * 25, size=200, replace=False)
    rows = [(f"u{k // 25}", f"i{k % 25}", 5, t) for t, k in enumerate(keys.tolist())]
    return write_log(tmp_path_factory.mktemp("wandb") / "log.csv", rows)


def run_job(tiny_log: Path, run_dir: Path, *overrides: str):
    cfg = compose_train("dataset=file", f"dataset.path={tiny_log}", "logger=wandb",
                        "trainer.progress_bar=false", *overrides)  # fmt: skip
    return train_and_evaluate(cfg, run_dir)


def test_jobs_finish_runs_in_order(tmp_path, tiny_log, fake_wandb):
    events, runs = fake_wandb
    first = run_job(tiny_log, tmp_path / "0", "model=pop")
    with pytest.raises(ValueError, match="trainer.batch_size must be a positive integer"):
        run_job(tiny_log, tmp_path / "1", "model=mf", "trainer.batch_size=0")
    third = run_job(tiny_log, tmp_path / "2", "model=itemknn")

    opened_and_closed = [event for event in events if event[0] != "log"]
    assert opened_and_closed == [
        ("init", "run0", "offline"), ("finish", "run0", 0),
        ("init", "run1", "offline"), ("finish", "run1", 1),
        ("init", "run2", "offline"), ("finish", "run2", 0),
    ]  # fmt: skip
    assert [run.config["model"]["name"] for run in runs] == ["pop", "mf", "itemknn"]
    assert runs[0].summary["test/recall@20"] == first["test/recall@20"]
    assert runs[2].summary["test/recall@20"] == third["test/recall@20"]
    assert runs[1].summary == {}


def test_later_runs_skip_online_wait(tmp_path, fake_wandb, caplog):
    events, _ = fake_wandb
    with caplog.at_level("INFO", logger="recgnn.tracking.wandb_tracker"):
        trackers = [WandbTracker(config={}, run_dir=str(tmp_path), mode="online", init_timeout=1)
                    for _ in range(3)]  # fmt: skip
    for tracker in trackers:
        tracker.finish()

    assert [event[:3] for event in events if event[0] != "finish"] == [
        ("init failed", "online"), ("init", "run0", "offline"),
        ("init", "run1", "offline"), ("init", "run2", "offline"),
    ]  # fmt: skip
    assert caplog.text.count("(offline mode)") == 3
    assert caplog.text.count("an earlier online start in this process failed") == 2


def closed_loopback_port() -> int:
    """Return a loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_unreachable_server_falls_back_offline(tmp_path, tiny_log):
    # Credentials present but the server unreachable: W&B would pick online mode.
    environment = {key: value for key, value in os.environ.items() if key != "WANDB_MODE"}
    # No error reports either: W&B would send them to its own servers.
    environment.update(WANDB_API_KEY="0" * 40, WANDB_SILENT="true", WANDB_ERROR_REPORTING="false",
                       WANDB_BASE_URL=f"http://127.0.0.1:{closed_loopback_port()}",
                       RECGNN_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    done = subprocess.run(
        [TRAIN, "-m", "model=pop,itemknn", "dataset=file", f"dataset.path={tiny_log}",
         "logger.init_timeout=3", "trainer.progress_bar=false"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert output.count("logging offline instead") == 1
    assert output.count("an earlier online start in this process failed") == 1
    assert len(list(tmp_path.glob("multirun/*/*/*/wandb/offline-run-*"))) == 2
