"""Run the jobs of a grid, each in its own folder and process, reusing finished runs.

A run folder ``<runs_dir>/<dataset>/<model>/seed<seed>-<config hash>/`` contains:

- ``config.yaml``: the resolved recgnn-train config, written before the run;
- ``run.log``: the run's console output;
- the recgnn-train outputs (``metrics.json``, ``per_user_test.csv``,
  ``checkpoint.pt``, ``wandb/``);
- ``result.json`` once the run finished, or ``failure.json`` once it failed;
- ``.lock``: held (``flock``) by the process running the job, so two
  benchmarks started together never run the same job in the same folder.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from recgnn.benchmark.grid import BenchJob

log = logging.getLogger(__name__)

RESULT_FILE = "result.json"
FAILURE_FILE = "failure.json"


@dataclass
class RunRecord:
    """Outcome of one job: ``finished``, ``failed``, or ``not run`` after a fail_fast stop."""

    job: BenchJob
    run_dir: Path
    status: str
    reused: bool = False
    error: str | None = None


class RunLock:
    """An exclusive ``flock`` on ``<run_dir>/.lock``, released when its process ends.

    The kernel drops the lock when the holder exits, even by a crash, so a
    lock never goes stale the way a marker file would.
    """

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / ".lock"
        self._fd: int | None = None

    def acquire(self, blocking: bool = False) -> bool:
        """Take the lock; without ``blocking``, return False at once when another holder has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def run_status(run_dir: Path) -> str:
    """Return ``finished``, ``failed`` or ``pending`` from the files in ``run_dir``."""
    if (run_dir / RESULT_FILE).is_file():
        return "finished"
    if (run_dir / FAILURE_FILE).is_file():
        return "failed"
    return "pending"


def read_failure(run_dir: Path) -> str:
    return json.loads((run_dir / FAILURE_FILE).read_text())["error"]


def execute_in_subprocess(job: BenchJob, run_dir: Path, timeout: float | None) -> str | None:
    """Run ``recgnn.benchmark.worker`` on ``run_dir``; return None or the failure message.

    A fresh process per run gives each run its own peak memory, and a crash or
    an out-of-memory kill of one run leaves the grid going.
    """
    command = [sys.executable, "-m", "recgnn.benchmark.worker", str(run_dir)]
    with open(run_dir / "run.log", "w") as log_file:
        try:
            completed = subprocess.run(
                command, stdout=log_file, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout:g} s (run_timeout)"
    if completed.returncode == 0 and run_status(run_dir) == "finished":
        return None
    if (run_dir / FAILURE_FILE).is_file():
        return read_failure(run_dir)  # the worker caught the exception and wrote it
    if completed.returncode < 0:
        return f"killed by signal {-completed.returncode} (an out-of-memory kill is SIGKILL, 9)"
    return f"exit status {completed.returncode}; see {run_dir / 'run.log'}"


class GridRunner:
    """Run jobs in grid order, skipping finished ones and recording failures.

    Args:
        runs_dir: Parent of the run folders.
        retry_failed: Run again a job whose folder contains a failure (default ``True``).
        fail_fast: Stop at the first failure instead of going on (default ``False``).
        timeout: Seconds one run may take, ``None`` for no limit.
        execute: ``(job, run_dir, timeout) -> None or failure message``; runs one job.
    """

    def __init__(
        self,
        runs_dir: Path,
        retry_failed: bool = True,
        fail_fast: bool = False,
        timeout: float | None = None,
        execute: Callable[[BenchJob, Path, float | None], str | None] = execute_in_subprocess,
    ):
        self.runs_dir = Path(runs_dir)
        self.retry_failed = retry_failed
        self.fail_fast = fail_fast
        self.timeout = timeout
        self.execute = execute

    def run(self, jobs: list[BenchJob]) -> list[RunRecord]:
        """Run every job; jobs locked by another process are awaited at the end."""
        records: dict[int, RunRecord] = {}
        deferred = []
        for position, job in enumerate(jobs):
            if self.fail_fast and any(r.status == "failed" for r in records.values()):
                records[position] = RunRecord(job, job.run_dir(self.runs_dir), "not run")
                continue
            lock = RunLock(job.run_dir(self.runs_dir))
            if not lock.acquire(blocking=False):
                log.info("%s is running in another process; waiting for it at the end", job.name)
                deferred.append((position, job, lock))
                continue
            try:
                records[position] = self._run_locked(job, retry=self.retry_failed)
            finally:
                lock.release()
        for position, job, lock in deferred:
            lock.acquire(blocking=True)
            try:
                # The other process just ran it: reuse its outcome, failed or not.
                records[position] = self._run_locked(job, retry=False)
            finally:
                lock.release()
        return [records[position] for position in range(len(jobs))]

    def _run_locked(self, job: BenchJob, retry: bool) -> RunRecord:
        run_dir = job.run_dir(self.runs_dir)
        status = run_status(run_dir)
        if status == "finished":
            log.info("%s: reusing the finished run in %s", job.name, run_dir)
            return RunRecord(job, run_dir, "finished", reused=True)
        if status == "failed" and not retry:
            return RunRecord(job, run_dir, "failed", reused=True, error=read_failure(run_dir))
        (run_dir / FAILURE_FILE).unlink(missing_ok=True)
        _write_job_files(job, run_dir)

        log.info("%s: running in %s", job.name, run_dir)
        error = self.execute(job, run_dir, self.timeout)
        if error is None:
            return RunRecord(job, run_dir, "finished")
        log.error("%s failed: %s (log: %s)", job.name, error, run_dir / "run.log")
        (run_dir / FAILURE_FILE).write_text(json.dumps({"error": error}, indent=2))
        return RunRecord(job, run_dir, "failed", error=error)


def _write_job_files(job: BenchJob, run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(job.config, run_dir / "config.yaml", resolve=True)
    description = {
        "dataset": job.dataset,
        "model": job.model,
        "seed": job.seed,
        "overrides": list(job.overrides),
        "config_hash": job.config_hash,
    }
    (run_dir / "job.json").write_text(json.dumps(description, indent=2))
