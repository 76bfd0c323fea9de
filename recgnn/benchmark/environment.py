"""The software and hardware a benchmark ran on, for the report's environment section."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import torch

# Distributions whose versions can change the numbers or the timings.
PACKAGES = (
    "recgnn", "torch", "torch-geometric", "numpy", "scipy", "pandas",
    "hydra-core", "omegaconf", "wandb", "matplotlib",
)  # fmt: skip

REPO_ROOT = Path(__file__).resolve().parents[2]


def package_versions() -> dict[str, str]:
    """Return the installed version of each distribution in ``PACKAGES``."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(repo_root: Path = REPO_ROOT) -> dict[str, str]:
    """Return the commit of ``repo_root`` and whether its tree differs from that commit.

    ``repo_root`` defaults to the source tree of the running ``recgnn`` package,
    the code that produced the numbers; an installed wheel has no commit.
    """
    unknown = {"commit": "unknown (recgnn does not run from a git checkout)", "dirty": "unknown"}
    try:
        if Path(_git(repo_root, "rev-parse", "--show-toplevel")).resolve() != repo_root.resolve():
            return unknown
        commit = _git(repo_root, "rev-parse", "HEAD")
        changes = _git(repo_root, "status", "--porcelain").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return unknown
    modified = sum(1 for line in changes if not line.startswith("??"))
    untracked = len(changes) - modified
    dirty = f"yes ({modified} modified, {untracked} untracked paths)" if changes else "no"
    return {"commit": commit, "dirty": dirty}


def cpu_model() -> str:
    """Return the CPU model name from ``/proc/cpuinfo``, else what ``platform`` reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_models() -> list[str]:
    if not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]


def describe_environment() -> dict:
    """Collect the date, platform, CPU, GPU, load, package versions and git state."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpus": gpu_models(),
        "torch_threads": torch.get_num_threads(),
        "load_average": load,
        "packages": package_versions(),
        **git_state(),
    }


def _git(repo_root: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo_root), *args], capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()
