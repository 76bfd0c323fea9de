"""``recgnn-bench``: run a benchmark grid through the recgnn-train pipeline and write a report.

Examples::

    recgnn-bench                                  # the ml100k preset
    recgnn-bench bench=gowalla
    recgnn-bench bench=ml100k models=[pop,lightgcn] seeds=[1]
    recgnn-bench bench=ml100k 'overrides=[trainer.epochs=5]' name=ml100k_quick
"""

from __future__ import annotations

import shlex

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from recgnn.benchmark.harness import run_benchmark
from recgnn.cli.config_path import config_dir, register_resolvers

register_resolvers()


def command_line() -> str:
    """Return the command that reproduces this run: recgnn-bench and its overrides."""
    overrides = HydraConfig.get().overrides.task
    return shlex.join(["recgnn-bench", *overrides])


@hydra.main(config_path=config_dir(), config_name="bench", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """Run the benchmark configured by ``cfg`` and write its report."""
    run_benchmark(cfg, command_line())


if __name__ == "__main__":
    main()
