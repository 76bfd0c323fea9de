"""Weights & Biases tracking that falls back to offline logging without network access."""

from __future__ import annotations

import logging
import netrc
import os
from pathlib import Path
from urllib.parse import urlparse

from recgnn.tracking.base import Tracker

log = logging.getLogger(__name__)


def has_wandb_credentials() -> bool:
    """Return True when an API key is in ``WANDB_API_KEY`` or in ``~/.netrc``."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = urlparse(os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai")).hostname
    path = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    try:
        return path.is_file() and netrc.netrc(path).authenticators(host) is not None
    except (netrc.NetrcParseError, OSError):
        return False


# The modes wandb.init accepts (wandb 0.31); "dryrun" and "run" are its old aliases.
WANDB_MODES = ("online", "offline", "disabled", "shared", "dryrun", "run")


def choose_mode(configured: str | None) -> str:
    """Pick the W&B mode: the config, else ``$WANDB_MODE``, else online only when logged in."""
    if configured:
        return _check_mode(configured, "logger.mode")
    if os.environ.get("WANDB_MODE"):
        return _check_mode(os.environ["WANDB_MODE"], "WANDB_MODE")
    if has_wandb_credentials():
        return "online"
    log.info(
        "W&B: no API key found, so this run logs offline; "
        "upload it later with `wandb sync <run folder>/wandb/offline-run-*`"
    )
    return "offline"


def _check_mode(mode: str, source: str) -> str:
    if mode not in WANDB_MODES:
        raise ValueError(
            f"invalid {source}={mode!r}; expected online, offline or disabled, "
            f"e.g. {source}=offline"
        )
    return mode


class WandbTracker(Tracker):
    """Log to W&B: the resolved config, per-epoch metrics and the test summary.

    An online start that fails (no network, server down) falls back to offline
    logging after ``init_timeout`` seconds instead of stopping the run. Later
    runs in the same process (the next jobs of a multirun) then log offline at
    once rather than wait ``init_timeout`` again.

    Args:
        config: The resolved run config, stored as the W&B run config.
        run_dir: The Hydra run folder; W&B writes its ``wandb/`` folder there.
        project: W&B project name.
        entity: W&B team or user, ``None`` for the default.
        group: Group of related runs (a sweep or a benchmark).
        name_override: Run name, ``None`` for a generated one.
        tags: Run tags.
        mode: ``online``, ``offline``, ``disabled`` or ``None`` for automatic.
        init_timeout: Seconds to wait for an online start.
    """

    name = "wandb"
    # Set when an online start failed in this process.
    online_start_failed: bool = False

    def __init__(
        self,
        config: dict,
        run_dir: str,
        project: str = "recgnn",
        entity: str | None = None,
        group: str | None = None,
        name_override: str | None = None,
        tags: list[str] | None = None,
        mode: str | None = None,
        init_timeout: float = 30.0,
    ):
        import wandb

        self._wandb = wandb
        init_args = dict(
            project=project,
            entity=entity,
            group=group,
            name=name_override,
            tags=list(tags or []),
            config=config,
            dir=run_dir,
            # A new run per job, so each multirun job gets its own W&B run.
            reinit="finish_previous",
        )
        mode = choose_mode(mode)
        if mode == "online" and WandbTracker.online_start_failed:
            log.info("W&B: an earlier online start in this process failed, so this run logs "
                     "offline; upload it later with `wandb sync`")  # fmt: skip
            mode = "offline"
        try:
            self.run = wandb.init(
                mode=mode, settings=wandb.Settings(init_timeout=init_timeout), **init_args
            )
        except Exception as error:  # noqa: BLE001 - W&B raises several types for network errors.
            if mode != "online":
                raise
            log.warning("W&B online start failed (%s); logging offline instead", error)
            WandbTracker.online_start_failed = True
            mode = "offline"
            self.run = wandb.init(mode=mode, **init_args)
        log.info("W&B run %s (%s mode) in %s", self.run.id, mode, self.run.dir)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        self.run.log(metrics, step=step)

    def log_summary(self, summary: dict[str, float]) -> None:
        self.run.summary.update(summary)

    def finish(self, exit_code: int = 0) -> None:
        self.run.finish(exit_code=exit_code)
