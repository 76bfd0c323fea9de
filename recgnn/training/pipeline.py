"""One complete run: data, model, training, test evaluation, outputs.

``recgnn-train`` and the benchmark harness both call :func:`train_and_evaluate`,
so every reported number comes from the same code path.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path

import pandas as pd
import torch
from omegaconf import DictConfig, OmegaConf

from recgnn.data.datamodule import prepare_data
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.registry import build_model, uses_features
from recgnn.tracking import build_tracker
from recgnn.training.resources import peak_memory, reset_peak_memory
from recgnn.training.seed import apply_num_threads, resolve_device, seed_everything
from recgnn.training.trainer import Trainer

log = logging.getLogger(__name__)


def train_and_evaluate(cfg: DictConfig, run_dir: str | Path) -> dict[str, float]:
    """Train ``cfg.model`` on ``cfg.dataset``, test the best state and write the outputs.

    Writes ``metrics.json`` and ``checkpoint.pt`` (model state and resolved
    config) into ``run_dir`` and returns the flat metrics written there.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = OmegaConf.to_container(cfg, resolve=True)

    rng = seed_everything(cfg.seed)
    device = resolve_device(cfg.trainer.device)
    apply_num_threads(cfg.trainer.num_threads)
    reset_peak_memory(device)

    started = time.perf_counter()
    data = prepare_data(cfg)
    load_seconds = time.perf_counter() - started
    features = data.load_features() if uses_features(cfg.model.name) else None
    model = build_model(cfg.model, data.graph, features)
    evaluator = Evaluator(data.num_items, list(cfg.eval.topk), cfg.eval.batch_size, device=device)
    _log_startup(cfg, data, model, device, run_dir)

    tracker = build_tracker(cfg.logger, resolved, str(run_dir))
    try:
        trainer = Trainer(
            model, data, evaluator, tracker, rng,
            epochs=cfg.trainer.epochs,
            batch_size=cfg.trainer.batch_size,
            lr=cfg.trainer.lr,
            l2_reg=cfg.trainer.l2_reg,
            eval_every=cfg.trainer.eval_every,
            patience=cfg.trainer.patience,
            monitor=cfg.trainer.monitor,
            device=device,
            progress_bar=cfg.trainer.progress_bar,
            negative_items=cfg.trainer.negative_items,
        )  # fmt: skip
        result = trainer.fit()

        started = time.perf_counter()
        split = data.split
        test = evaluator.evaluate(model, split.test, seen=[split.train, split.valid])
        test_seconds = time.perf_counter() - started

        metrics = {f"test/{key}": value for key, value in test.metrics.items()}
        best = next((r for r in result.history if r["epoch"] == result.best_epoch), {})
        metrics.update({k: v for k, v in best.items() if k.startswith("val/")})
        metrics.update(
            {
                "best_epoch": result.best_epoch,
                "epochs_run": result.epochs_run,
                "train_seconds": result.train_seconds,
                "val_eval_seconds": result.eval_seconds,
                "test_eval_seconds": test_seconds,
                "load_seconds": load_seconds,
                "num_parameters": _num_parameters(model),
                "test/num_users": test.num_users_evaluated,
                "test/num_users_no_train": test.num_users_no_train,
                **peak_memory(device),
            }
        )
        # The data set's counts travel with the metrics, so a report can show what each run saw.
        stats = data.stats()
        metrics.update({f"data/{k}": v for k, v in stats.items() if isinstance(v, (int, float))})
        id_maps = (split.train.user_ids, split.train.item_ids)
        _write_outputs(run_dir, metrics, model, resolved, result.history, id_maps)
        _write_per_user(run_dir / "per_user_test.csv", test, split.test.user_ids)
        tracker.log_summary(metrics)
    except BaseException:
        tracker.finish(exit_code=1)
        raise
    tracker.finish()
    log.info("test: %s", " ".join(f"{k}={v:.5f}" for k, v in metrics.items()
                                   if k.startswith("test/") and "@" in k))  # fmt: skip
    log.info("outputs in %s", run_dir)
    return metrics


def _write_per_user(path: Path, result, user_ids) -> None:
    """Write each evaluated user's test metrics with the raw user id (for paired tests)."""
    table = pd.DataFrame({"user_index": result.user_index, "user_id": user_ids[result.user_index]})
    for column in sorted(result.per_user):
        table[column] = result.per_user[column]
    table.to_csv(path, index=False, float_format="%.6g")


def _num_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _log_startup(cfg: DictConfig, data, model, device, run_dir: Path) -> None:
    stats = data.stats()
    log.info(
        "dataset %s: %d users, %d items, density %.5f",
        stats["dataset"],
        stats["num_users"],
        stats["num_items"],
        stats["density"],
    )
    log.info(
        "split %s (seed %s): train %d, valid %d, test %d interactions",
        cfg.split.name,
        cfg.split.get("seed"),
        stats["num_train"],
        stats["num_valid"],
        stats["num_test"],
    )
    if stats["test_rows_unseen_user"] or stats["test_rows_unseen_item"]:
        log.info(
            "test rows with a user / item absent from training: %d / %d",
            stats["test_rows_unseen_user"],
            stats["test_rows_unseen_item"],
        )
    log.info("model %s: %d trainable parameters", cfg.model.name, _num_parameters(model))
    log.info(
        "device %s (%s, torch %s, %d threads), seed %d",
        device,
        platform.processor() or platform.machine(),
        torch.__version__,
        torch.get_num_threads(),
        cfg.seed,
    )
    log.info("output folder %s", run_dir)  # fmt: skip


def _write_outputs(
    run_dir: Path, metrics: dict, model, resolved: dict, history: list, id_maps: tuple
) -> None:
    # Write to a temporary name and rename, so a crash never leaves half a file.
    path = run_dir / "metrics.json"
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    partial.replace(path)
    torch.save(
        {
            "model_state": model.state_dict(),
            "config": resolved,
            "best_epoch": metrics["best_epoch"],
            "metrics": metrics,
            "history": history,
            # Row i of the user (item) embeddings belongs to raw id user_ids[i].
            "user_ids": id_maps[0].tolist(),
            "item_ids": id_maps[1].tolist(),
        },
        run_dir / "checkpoint.pt",
    )
