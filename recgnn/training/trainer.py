"""The epoch loop: BPR training, validation, early stopping and best-state restore."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from recgnn.data.datamodule import PreparedData
from recgnn.data.sampler import NegativeSampler
from recgnn.evaluation.evaluator import Evaluator
from recgnn.evaluation.metrics import METRICS
from recgnn.models.base import Recommender
from recgnn.tracking.base import Tracker
from recgnn.training.early_stopping import EarlyStopping
from recgnn.training.loss import bpr_loss

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """Outcome of :meth:`Trainer.fit`: the best epoch and the per-epoch history."""

    best_epoch: int
    best_value: float
    history: list[dict] = field(default_factory=list)
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    epochs_run: int = 0


class Trainer:
    """Train a model by BPR with uniform negatives, validating every ``eval_every`` epochs.

    Args:
        model: The model; fitted models are fitted once and skip the loop.
        data: The prepared split and training graph.
        evaluator: Full-ranking evaluator used on the validation split.
        tracker: Receives ``train/loss`` and ``val/*`` per epoch.
        rng: NumPy generator for shuffling and negative sampling.
        epochs: Maximum number of epochs.
        batch_size: Training triples per optimizer step.
        lr: Adam learning rate.
        l2_reg: Weight of the L2 penalty on the batch's layer-0 embeddings.
        eval_every: Validate every this many epochs (and after the last one).
        patience: Validations without gain before stopping, ``None`` for never.
        monitor: Validation metric for early stopping, e.g. ``val/ndcg@20``.
        device: Where the model trains.
        progress_bar: Show a tqdm bar per epoch.
        negative_items: Items negatives are drawn from: ``all`` (the catalogue)
            or ``trained`` (items with a training interaction). Item cold-start
            runs use ``trained``: a cold item does not exist at training time,
            and drawing it as a negative would teach the model that items
            without edges are bad.
    """

    def __init__(
        self,
        model: Recommender,
        data: PreparedData,
        evaluator: Evaluator,
        tracker: Tracker,
        rng: np.random.Generator,
        epochs: int = 200,
        batch_size: int = 2048,
        lr: float = 1e-3,
        l2_reg: float = 1e-4,
        eval_every: int = 5,
        patience: int | None = 5,
        monitor: str = "val/ndcg@20",
        device: torch.device | str = "cpu",
        progress_bar: bool = True,
        negative_items: str = "all",
    ):
        _check_positive(epochs=epochs, batch_size=batch_size, eval_every=eval_every)
        _check_rates(lr=lr, l2_reg=l2_reg)
        self.model = model
        self.data = data
        self.evaluator = evaluator
        self.tracker = tracker
        self.rng = rng
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.l2_reg = l2_reg
        self.eval_every = eval_every
        self.monitor = _check_monitor(monitor, evaluator)
        self.device = torch.device(device)
        self.progress_bar = progress_bar
        self.stopping = EarlyStopping(patience)
        self.result = TrainResult(best_epoch=0, best_value=-float("inf"))

        train = data.split.train
        # Sampling happens in the pool's own index space; epoch_batches maps back.
        self.negative_pool = _negative_pool(negative_items, train, data.num_items)
        self.sampler = NegativeSampler(
            train.user_index, np.searchsorted(self.negative_pool, train.item_index),
            data.num_users, len(self.negative_pool),
        )  # fmt: skip
        self.train_rows = self._trainable_rows()
        self.has_valid = len(data.split.valid) > 0
        # Fitted models have no epochs, so an empty validation split changes nothing for them.
        if not self.has_valid and model.is_trainable:
            log.warning(
                "the validation split is empty, so there is no early stopping: training "
                "runs all %d epochs and the last state is tested",
                epochs,
            )

    def fit(self) -> TrainResult:
        """Run the loop, then load the best validated state into the model."""
        started = time.perf_counter()
        self.model.fit(self.data.graph)
        # Fitted models (ItemKNN, EASE) do all their training here, so it counts.
        self.result.train_seconds += time.perf_counter() - started
        self.model.to(self.device)

        if not self.model.is_trainable:
            if self.has_valid:
                self._validate(epoch=0)
            return self.result

        optimizer = build_adam(self.model.parameters(), self.lr)
        for epoch in range(1, self.epochs + 1):
            started = time.perf_counter()
            loss = self._train_epoch(epoch, optimizer)
            self.result.train_seconds += time.perf_counter() - started
            self.result.epochs_run = epoch
            record = {"epoch": epoch, "train/loss": loss}
            should_stop = False
            if self.has_valid and (epoch % self.eval_every == 0 or epoch == self.epochs):
                record.update(self._validate(epoch))
                should_stop = self.stopping.update(record[self.monitor], epoch, self.model)
            self.result.history.append(record)
            self.tracker.log_metrics({k: v for k, v in record.items() if k != "epoch"}, epoch)
            log.info("epoch %d: %s", epoch, _format(record))
            if should_stop:
                log.info("early stop: %s did not improve for %d validations",
                         self.monitor, self.stopping.patience)  # fmt: skip
                break

        if not self.has_valid:
            self.result.best_epoch = self.result.epochs_run
            return self.result
        self.stopping.restore_best(self.model)
        self.result.best_epoch = self.stopping.best_epoch
        self.result.best_value = self.stopping.best_value
        log.info("best epoch %d with %s = %.5f",
                 self.result.best_epoch, self.monitor, self.result.best_value)  # fmt: skip
        return self.result

    def epoch_batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Yield (user, positive, negative) batches covering every training row once."""
        users, items = self.train_rows
        order = self.rng.permutation(len(users))
        users, items = users[order], items[order]
        negatives = self.negative_pool[self.sampler.sample(users, self.rng)]
        for start in range(0, len(users), self.batch_size):
            stop = start + self.batch_size
            yield tuple(
                torch.from_numpy(part[start:stop]).to(self.device)
                for part in (users, items, negatives)
            )

    def _train_epoch(self, epoch: int, optimizer: torch.optim.Optimizer) -> float:
        self.model.train()
        total, count = 0.0, 0
        num_batches = -(-len(self.train_rows[0]) // self.batch_size)
        batches = tqdm(self.epoch_batches(), total=num_batches, desc=f"epoch {epoch}",
                       leave=False, disable=not self.progress_bar)  # fmt: skip
        for step, (users, positives, negatives) in enumerate(batches, start=1):
            pos_scores, neg_scores, penalty = self.model.pair_scores(users, positives, negatives)
            loss = bpr_loss(pos_scores, neg_scores) + self.l2_reg * penalty
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"training loss became {loss.item()} at epoch {epoch}, step {step}; "
                    "lower trainer.lr or check the input data"
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(users)
            count += len(users)
        return total / count

    def _validate(self, epoch: int) -> dict[str, float]:
        started = time.perf_counter()
        split = self.data.split
        result = self.evaluator.evaluate(self.model, split.valid, seen=[split.train])
        self.result.eval_seconds += time.perf_counter() - started
        metrics = {f"val/{key}": value for key, value in result.metrics.items()}
        if not self.model.is_trainable:
            self.tracker.log_metrics(metrics, epoch)
            self.result.history.append({"epoch": epoch, **metrics})
        return metrics

    def _trainable_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the training rows, minus users who have no possible negative item."""
        train = self.data.split.train
        users, items = train.user_index, train.item_index
        saturated = self.sampler.saturated_users
        if len(saturated):
            log.warning(
                "skipping the training rows of %d users who interacted with every item "
                "(no negative exists), e.g. user index %d",
                len(saturated),
                saturated[0],
            )
            keep = ~np.isin(users, saturated)
            users, items = users[keep], items[keep]
        if len(users) == 0:
            raise ValueError("no training rows left: the training split is empty")
        return users, items


def _negative_pool(negative_items: str, train, num_items: int) -> np.ndarray:
    """Return the sorted item indices that negatives are drawn from."""
    if negative_items == "all":
        return np.arange(num_items)
    if negative_items == "trained":
        return np.unique(train.item_index)
    raise ValueError(
        f"invalid trainer.negative_items={negative_items!r}; expected 'all' or 'trained', "
        "for example trainer.negative_items=trained for an item cold-start split"
    )


def _check_monitor(monitor: str, evaluator: Evaluator) -> str:
    """Fail before training when the early-stopping metric will never be computed."""
    available = [f"val/{m}@{k}" for m in (*METRICS, "coverage") for k in evaluator.topk]
    if monitor not in available:
        raise ValueError(
            f"trainer.monitor={monitor!r} is not a validation metric of this run; "
            f"available with eval.topk={evaluator.topk}: {available}. Add its cut-off to "
            "eval.topk or monitor a computed one, e.g. "
            f"trainer.monitor=val/ndcg@{max(evaluator.topk)}"
        )
    return monitor


def build_adam(parameters, lr: float) -> torch.optim.Adam:
    """Return Adam over ``parameters``, with torch's fused kernel on CPU and CUDA.

    The fused kernel applies the same update rule in one pass over each
    tensor instead of a chain of elementwise operations. For LightGCN, whose
    parameters are one large embedding table, the step is measurably faster
    (the "+ fused Adam" row of benchmarks/speed.md).
    """
    parameters = list(parameters)
    fused = all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in parameters)
    return torch.optim.Adam(parameters, lr=lr, fused=fused)


def _check_positive(**values: int) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"trainer.{key} must be a positive integer, got {value!r}")


def _check_rates(lr: float, l2_reg: float) -> None:
    # bool is an int subclass, so True would pass as 1.0 without the first test.
    for key, value, smallest in (("lr", lr, "positive"), ("l2_reg", l2_reg, "non-negative")):
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or value < 0 or (smallest == "positive" and value == 0):
            raise ValueError(
                f"trainer.{key} must be a {smallest} number, got {value!r}; "
                f"for example trainer.{key}={0.005 if key == 'lr' else 1.0e-4}"
            )


def _format(record: dict) -> str:
    # The loss and the two headline metrics; every metric still goes to the tracker.
    shown = [k for k in record if k == "train/loss" or k.startswith(("val/recall@", "val/ndcg@"))]
    return " ".join(f"{k}={record[k]:.5f}" for k in shown)
