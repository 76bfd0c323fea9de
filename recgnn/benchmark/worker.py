"""Run one benchmark job in its own process: ``python -m recgnn.benchmark.worker RUN_DIR``.

Reads ``RUN_DIR/config.yaml``, calls the same ``train_and_evaluate`` as
``recgnn-train`` and writes ``RUN_DIR/result.json`` (the flat metrics and the
per-epoch history), or ``RUN_DIR/failure.json`` with the exception.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

import torch
from omegaconf import OmegaConf

from recgnn.benchmark.runner import FAILURE_FILE, RESULT_FILE
from recgnn.training.pipeline import train_and_evaluate

log = logging.getLogger(__name__)


def run_job(run_dir: Path) -> None:
    """Train and test the config in ``run_dir`` and write ``result.json`` there."""
    cfg = OmegaConf.load(run_dir / "config.yaml")
    metrics = train_and_evaluate(cfg, run_dir)
    checkpoint = torch.load(run_dir / "checkpoint.pt", map_location="cpu", weights_only=True)
    result = {"metrics": metrics, "history": checkpoint["history"]}
    # Written last and renamed into place: its presence marks the run as finished.
    partial = run_dir / (RESULT_FILE + ".part")
    partial.write_text(json.dumps(result, indent=2, sort_keys=True))
    partial.replace(run_dir / RESULT_FILE)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / "config.yaml").is_file():
        print(f"usage: python -m recgnn.benchmark.worker RUN_DIR (holding config.yaml); "
              f"got {args}", file=sys.stderr)  # fmt: skip
        return 2
    run_dir = Path(args[0])
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s][%(name)s][%(levelname)s] - %(message)s",
        stream=sys.stdout,
    )
    try:
        run_job(run_dir)
    except Exception as error:  # noqa: BLE001 - any failure is recorded, then the process exits 1.
        traceback.print_exc()
        message = f"{type(error).__name__}: {error}"
        (run_dir / FAILURE_FILE).write_text(json.dumps({"error": message}, indent=2))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
