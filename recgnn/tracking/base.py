"""The small interface every experiment tracker implements."""

from __future__ import annotations


class Tracker:
    """Receive a run's config, per-epoch metrics and final summary. The base class drops them."""

    name = "none"

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        """Record metrics such as ``train/loss`` or ``val/ndcg@20`` at an epoch."""

    def log_summary(self, summary: dict[str, float]) -> None:
        """Record final values such as ``test/recall@20``."""

    def finish(self, exit_code: int = 0) -> None:
        """Close the run; called once, also after a failure."""
