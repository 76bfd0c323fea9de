"""Shared fixtures: the real data folder and small synthetic configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Return the real-data folder: ``$RECGNN_DATA_DIR``, else ``../shared/data``."""
    return Path(os.environ.get("RECGNN_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    folder = shared_data_dir()
    if not (folder / "ml-100k" / "u.data").is_file():
        pytest.fail(
            f"real data not found in {folder}; set RECGNN_DATA_DIR to the folder "
            "holding ml-100k/ and gowalla/"
        )
    return folder


@pytest.fixture(autouse=True)
def _offline_wandb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tests never reach a W&B server and never write into the user's folders.
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "wandb-cache"))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    monkeypatch.setenv("WANDB_DATA_DIR", str(tmp_path / "wandb-data"))


@pytest.fixture(autouse=True)
def _downloads_stay_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test that leaves a data set URL at its real host fails fast instead of
    # reaching it, because every proxied request goes to a closed loopback port.
    # The tests' own servers on 127.0.0.1 are reached directly.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost,::1")


@pytest.fixture(autouse=True)
def _private_processed_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Each test gets an empty processed-data cache of its own, never ~/.cache/recgnn.
    monkeypatch.setenv("RECGNN_CACHE_DIR", str(tmp_path / "processed-cache"))
