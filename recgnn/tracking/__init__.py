"""Experiment trackers behind one interface (W&B, or none)."""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from recgnn.tracking.base import Tracker

TRACKERS = ("wandb", "none")


def build_tracker(logger_cfg: DictConfig, config: dict, run_dir: str) -> Tracker:
    """Create the tracker named by ``logger.name``."""
    if logger_cfg.name == "none":
        return Tracker()
    if logger_cfg.name == "wandb":
        from recgnn.tracking.wandb_tracker import WandbTracker

        options = OmegaConf.to_container(logger_cfg, resolve=True)
        options.pop("name")
        return WandbTracker(config=config, run_dir=run_dir, **options)
    raise ValueError(f"unknown logger.name={logger_cfg.name!r}; available: {list(TRACKERS)}")


__all__ = ["TRACKERS", "Tracker", "build_tracker"]
