"""Environment description: git commit and dirty state, package versions, CPU."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from recgnn.benchmark.environment import describe_environment, git_state, package_versions

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_git_commit_and_dirty(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("one")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "a")

    clean = git_state(tmp_path)
    (tmp_path / "a.txt").write_text("two")
    (tmp_path / "b.txt").write_text("new")
    dirty = git_state(tmp_path)

    assert len(clean["commit"]) == 40
    assert clean["dirty"] == "no"
    assert dirty["commit"] == clean["commit"]
    assert dirty["dirty"] == "yes (1 modified, 1 untracked paths)"


def test_folder_outside_git_has_no_commit(tmp_path):
    inner = tmp_path / "not_a_repo"
    inner.mkdir()

    assert git_state(inner)["commit"].startswith("unknown")


def test_versions_and_hardware():
    environment = describe_environment()

    assert package_versions()["torch"] != "not installed"
    assert environment["cpu"]
    assert environment["cpu_count"] >= 1
