"""``recgnn-bench``: run a benchmark grid through the recgnn-train pipeline and write a report.

Examples::

    recgnn-bench                                  # the ml100k preset
    recgnn-bench bench=gowalla
    recgnn-bench 'models=[pop,lightgcn]' 'seeds=[1]' name=ml100k_quick
    recgnn-bench 'overrides=["trainer.epochs=5"]' name=ml100k_5_epochs

A changed grid needs its own ``name``, or its report replaces the preset's.
"""

from __future__ import annotations

import shlex

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from recgnn.benchmark.harness import run_benchmark
from recgnn.cli.config_path import config_dir, register_resolvers

register_resolvers()

# Top-level keys of conf/bench.yaml that change the runs of the grid or what its
# report compares.
GRID_KEYS = (
    "datasets", "models", "seeds", "overrides", "dataset_overrides", "model_overrides",
    "baseline", "significance", "headline_metrics",
)  # fmt: skip


def check_report_target(overrides: list[str], name: str, report_dir: str) -> None:
    """Raise when command-line overrides change a preset's grid but keep its report folder.

    A preset's report (``benchmarks/reports/<name>/``) is committed with the
    project, and the report of a changed grid written there would replace it.
    """
    keys = [_override_key(override) for override in overrides]
    if "name" in keys or "report_dir" in keys:
        return
    changed = [key for key in keys if key.split(".")[0] in GRID_KEYS]
    if changed:
        raise ValueError(
            f"the overrides of {', '.join(changed)} change the {name} benchmark, but it keeps "
            f"the preset's name, so its report would replace {report_dir}; give it a name of "
            f"its own, e.g. name={name}_custom, or pass report_dir={report_dir} to replace "
            "that report on purpose"
        )


def _override_key(override: str) -> str:
    # "+model_overrides.mf=[...]" and "~seeds" name the keys model_overrides.mf and seeds.
    return override.split("=", 1)[0].lstrip("~+")


def command_line() -> str:
    """Return the command that reproduces this run: recgnn-bench and its overrides."""
    overrides = HydraConfig.get().overrides.task
    return shlex.join(["recgnn-bench", *overrides])


@hydra.main(config_path=config_dir(), config_name="bench", version_base="1.3")
def main(cfg: DictConfig) -> None:
    """Run the benchmark configured by ``cfg`` and write its report."""
    check_report_target(list(HydraConfig.get().overrides.task), cfg.name, cfg.report_dir)
    run_benchmark(cfg, command_line())


if __name__ == "__main__":
    main()
