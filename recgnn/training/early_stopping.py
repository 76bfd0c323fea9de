"""Early stopping on a validation metric, keeping the best model state."""

from __future__ import annotations

import copy

import torch


class EarlyStopping:
    """Track the best value of a metric (higher is better) and when to stop.

    Args:
        patience: Evaluations without improvement before stopping; ``None`` never stops.
    """

    def __init__(self, patience: int | None):
        if patience is not None and patience < 1:
            raise ValueError(f"trainer.patience must be >= 1 or null, got {patience}")
        self.patience = patience
        self.best_value = -float("inf")
        self.best_epoch = 0
        self.best_state: dict | None = None
        self.evaluations_without_gain = 0

    def update(self, value: float, epoch: int, model: torch.nn.Module) -> bool:
        """Record ``value`` at ``epoch``; return True when training should stop."""
        if value > self.best_value:
            self.best_value = value
            self.best_epoch = epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.evaluations_without_gain = 0
            return False
        self.evaluations_without_gain += 1
        return self.patience is not None and self.evaluations_without_gain >= self.patience

    def restore_best(self, model: torch.nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
