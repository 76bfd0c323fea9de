"""W&B mode selection: offline without credentials, fallback when online fails."""

from __future__ import annotations

import pytest

from recgnn.tracking import wandb_tracker
from recgnn.tracking.wandb_tracker import WandbTracker, choose_mode


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "missing-netrc"))
    # A failed online start in an earlier test must not turn this one offline.
    monkeypatch.setattr(WandbTracker, "online_start_failed", False)


def test_offline_without_credentials(no_credentials):
    assert choose_mode(None) == "offline"


def test_online_with_api_key(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert choose_mode(None) == "online"


def test_netrc_entry_counts_as_login(no_credentials, monkeypatch, tmp_path):
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine api.wandb.ai\n  login user\n  password " + "y" * 40 + "\n")
    netrc_file.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc_file))
    assert choose_mode(None) == "online"


def test_env_and_config_override_detection(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert choose_mode(None) == "disabled"
    assert choose_mode("offline") == "offline"


def test_failed_online_start_falls_back_to_offline(no_credentials, monkeypatch, tmp_path):
    import wandb

    modes = []

    class FakeRun:
        id, dir = "abc", str(tmp_path)

    def fake_init(mode, **kwargs):
        modes.append(mode)
        if mode == "online":
            raise TimeoutError("no network")
        return FakeRun()

    monkeypatch.setattr(wandb, "init", fake_init)
    tracker = WandbTracker(config={}, run_dir=str(tmp_path), mode="online", init_timeout=1)
    assert modes == ["online", "offline"]
    assert tracker.run.id == "abc"
    assert wandb_tracker.choose_mode("online") == "online"


def test_invalid_mode_names_its_source(no_credentials, monkeypatch):
    with pytest.raises(
        ValueError,
        match=r"invalid logger.mode='offlin'; expected online, "
        r"offline or disabled, e.g. logger.mode=offline",
    ):
        choose_mode("offlin")
    monkeypatch.setenv("WANDB_MODE", "of")
    with pytest.raises(ValueError, match=r"invalid WANDB_MODE='of'; .* e.g. WANDB_MODE=offline"):
        choose_mode(None)
