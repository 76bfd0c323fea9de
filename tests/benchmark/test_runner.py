"""GridRunner: reuse of finished runs, failures, fail_fast, and runs locked by another process."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from recgnn.benchmark.runner import FAILURE_FILE, RESULT_FILE, GridRunner, RunLock, run_status
from tests.benchmark.helpers import fake_job


class FakeExecutor:
    """Stands in for the worker process: finishes a run, or fails the models in ``failing``."""

    def __init__(self, failing: tuple[str, ...] = ()):
        self.failing = failing
        self.calls: list[str] = []

    def __call__(self, job, run_dir: Path, timeout) -> str | None:
        self.calls.append(job.name)
        if job.model in self.failing:
            return f"ValueError: {job.model} cannot train"
        (run_dir / RESULT_FILE).write_text(json.dumps({"metrics": {}, "history": []}))
        return None


def make_jobs():
    return [fake_job("bad", 1), fake_job("good", 1), fake_job("good", 2)]


def test_failure_does_not_stop_grid(tmp_path):
    executor = FakeExecutor(failing=("bad",))
    records = GridRunner(tmp_path, execute=executor).run(make_jobs())

    assert [r.status for r in records] == ["failed", "finished", "finished"]
    assert records[0].error == "ValueError: bad cannot train"
    assert json.loads((records[0].run_dir / FAILURE_FILE).read_text())["error"] == records[0].error
    assert executor.calls == ["toy/bad/seed1", "toy/good/seed1", "toy/good/seed2"]


def test_job_files_written_before_run(tmp_path):
    job = fake_job("good", 1)
    GridRunner(tmp_path, execute=FakeExecutor()).run([job])

    run_dir = job.run_dir(tmp_path)
    assert (run_dir / "config.yaml").is_file()
    assert json.loads((run_dir / "job.json").read_text())["config_hash"] == job.config_hash


def test_rerun_skips_finished_and_retries_failed(tmp_path):
    GridRunner(tmp_path, execute=FakeExecutor(failing=("bad",))).run(make_jobs())

    executor = FakeExecutor()
    records = GridRunner(tmp_path, execute=executor).run(make_jobs())

    assert executor.calls == ["toy/bad/seed1"]
    assert [r.status for r in records] == ["finished"] * 3
    assert [r.reused for r in records] == [False, True, True]
    assert not (records[0].run_dir / FAILURE_FILE).exists()


def test_rerun_keeps_failure_without_retry(tmp_path):
    GridRunner(tmp_path, execute=FakeExecutor(failing=("bad",))).run(make_jobs())

    executor = FakeExecutor()
    records = GridRunner(tmp_path, retry_failed=False, execute=executor).run(make_jobs())

    assert executor.calls == []
    assert records[0].status == "failed"
    assert records[0].error == "ValueError: bad cannot train"


def test_fail_fast_stops_after_failure(tmp_path):
    executor = FakeExecutor(failing=("bad",))
    records = GridRunner(tmp_path, fail_fast=True, execute=executor).run(make_jobs())

    assert [r.status for r in records] == ["failed", "not run", "not run"]
    assert executor.calls == ["toy/bad/seed1"]


def test_lock_is_exclusive(tmp_path):
    first, second = RunLock(tmp_path), RunLock(tmp_path)

    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_job_locked_elsewhere_is_awaited_not_rerun(tmp_path):
    jobs = [fake_job("good", 1), fake_job("good", 2)]
    other_process = RunLock(jobs[0].run_dir(tmp_path))
    assert other_process.acquire()
    executor = FakeExecutor()
    records = []
    runner = threading.Thread(
        target=lambda: records.extend(GridRunner(tmp_path, execute=executor).run(jobs))
    )
    runner.start()
    # The runner must go on with the free job while the locked one is busy.
    deadline = time.monotonic() + 10
    while executor.calls != ["toy/good/seed2"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert executor.calls == ["toy/good/seed2"]
    assert runner.is_alive()

    # The other process finishes its run and lets go of the lock.
    (jobs[0].run_dir(tmp_path) / RESULT_FILE).write_text('{"metrics": {}, "history": []}')
    other_process.release()
    runner.join(timeout=10)

    assert executor.calls == ["toy/good/seed2"]
    assert [r.status for r in records] == ["finished", "finished"]
    assert records[0].reused


def test_status_from_files(tmp_path):
    assert run_status(tmp_path) == "pending"
    (tmp_path / FAILURE_FILE).write_text('{"error": "x"}')
    assert run_status(tmp_path) == "failed"
    (tmp_path / RESULT_FILE).write_text("{}")
    assert run_status(tmp_path) == "finished"
