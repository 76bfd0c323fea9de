"""Expand a benchmark config into one recgnn-train job per data set × model × seed."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from recgnn.cli.config_path import config_dir
from recgnn.models.registry import MODELS

# Keys that change how a run is logged but never its numbers, so they stay out of the
# config hash: a finished run is reused when only these differ.
UNHASHED_KEYS = (("logger",), ("trainer", "progress_bar"))

# Added to every job: run output goes to a log file, where a progress bar is noise.
FORCED_OVERRIDES = ("trainer.progress_bar=false",)


@dataclass(frozen=True)
class BenchJob:
    """One run of the grid: its axes, its recgnn-train overrides and its resolved config.

    Args:
        dataset: Data set config name (``conf/dataset/<dataset>.yaml``).
        model: Model config name (``conf/model/<model>.yaml``).
        seed: Model seed.
        overrides: recgnn-train overrides that compose ``config``.
        config: The composed recgnn-train config.
        config_hash: First 12 hex digits of the SHA-256 of the resolved config.
    """

    dataset: str
    model: str
    seed: int
    overrides: tuple[str, ...]
    config: DictConfig = field(compare=False, repr=False)
    config_hash: str = ""

    @property
    def name(self) -> str:
        return f"{self.dataset}/{self.model}/seed{self.seed}"

    def run_dir(self, runs_dir: Path) -> Path:
        """Return the job's folder: a new config, even a new seed, gets a new folder."""
        return Path(runs_dir) / self.dataset / self.model / f"seed{self.seed}-{self.config_hash}"


def available_options(group: str) -> list[str]:
    """Return the option names of a config group, e.g. ``model`` -> ``['lightgcn', 'pop']``."""
    return sorted(path.stem for path in (Path(config_dir()) / group).glob("*.yaml"))


@contextmanager
def train_config_context() -> Iterator[None]:
    """Initialize Hydra on ``config_dir()`` once for many :func:`compose_train_config` calls."""
    if GlobalHydra.instance().is_initialized():
        # Inside the recgnn-bench Hydra app (or a caller's context) on the same config folder.
        yield
        return
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        yield


def compose_train_config(overrides: list[str]) -> DictConfig:
    """Compose ``conf/train.yaml`` with ``overrides``, exactly as ``recgnn-train`` would."""
    with train_config_context():
        return compose(config_name="train", overrides=list(overrides))


def config_hash(cfg: DictConfig) -> str:
    """Hash the resolved config, leaving out the keys in ``UNHASHED_KEYS``.

    NOTE: the hash covers the config, not the code, so a run finished before a
    code change is still reused. The report states this and names the current commit.
    """
    resolved = OmegaConf.to_container(cfg, resolve=True)
    for path in UNHASHED_KEYS:
        parent = resolved
        for key in path[:-1]:
            parent = parent.get(key, {})
        parent.pop(path[-1], None)
    text = json.dumps(resolved, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def resolve_models(models: str | list[str]) -> tuple[list[str], list[str]]:
    """Return the model config names to run and the registry models left out for lack of one.

    ``"all"`` means every model in ``recgnn.models.registry.MODELS`` that has a
    config of the same name; an explicit list is checked against ``conf/model/``.
    """
    options = available_options("model")
    if models == "all":
        chosen = [name for name in sorted(MODELS) if name in options]
        missing = [name for name in sorted(MODELS) if name not in options]
        return chosen, missing
    names = _string_list(models, "models")
    _check_known(names, options, "models", "models=[lightgcn,pop] or models=all")
    return names, []


def expand_grid(bench_cfg: DictConfig) -> list[BenchJob]:
    """Compose one job per data set × model × seed, in that nesting order."""
    datasets = _string_list(bench_cfg.datasets, "datasets")
    _check_known(datasets, available_options("dataset"), "datasets", "datasets=[ml-100k]")
    models, _ = resolve_models(bench_cfg.models)
    seeds = _seed_list(bench_cfg.seeds)
    common = _string_list(bench_cfg.overrides, "overrides", allow_empty=True)
    per_dataset = _override_map(bench_cfg.dataset_overrides, "dataset", "dataset_overrides")
    per_model = _override_map(bench_cfg.model_overrides, "model", "model_overrides")

    jobs = []
    with train_config_context():
        for dataset, model, seed in itertools.product(datasets, models, seeds):
            overrides = (
                f"dataset={dataset}", f"model={model}", f"seed={seed}",
                *common, *per_dataset.get(dataset, []), *per_model.get(model, []),
                *FORCED_OVERRIDES,
            )  # fmt: skip
            jobs.append(_compose_job(bench_cfg.name, dataset, model, seed, overrides))
    return jobs


def _compose_job(bench_name: str, dataset: str, model: str, seed: int, overrides) -> BenchJob:
    try:
        cfg = compose_train_config(list(overrides))
    except Exception as error:  # noqa: BLE001 - Hydra raises several types for a bad override.
        raise ValueError(
            f"cannot compose the recgnn-train config of {dataset}/{model}/seed{seed} from "
            f"overrides {list(overrides)}: {error}. Check the keys in overrides, "
            """dataset_overrides and model_overrides, e.g. 'overrides=["trainer.epochs=5"]'"""
        ) from error
    job = BenchJob(dataset, model, seed, tuple(overrides), cfg, config_hash(cfg))
    if cfg.logger.name == "wandb":
        with open_dict(cfg):
            # One W&B run per job, grouped by the benchmark unless the overrides set a group.
            cfg.logger.group = cfg.logger.group or bench_name
            cfg.logger.name_override = cfg.logger.name_override or job.name
    return job


def _string_list(value, key: str, allow_empty: bool = False) -> list[str]:
    items = list(value) if isinstance(value, (list, ListConfig)) else None
    if items is None or any(not isinstance(item, str) for item in items):
        raise TypeError(f"bench {key}={value!r} must be a list of strings, e.g. {key}=[a,b]")
    if not items and not allow_empty:
        raise ValueError(f"bench {key} is empty; give at least one entry, e.g. {key}=[a]")
    return items


def _seed_list(value) -> list[int]:
    seeds = list(value) if isinstance(value, (list, ListConfig)) else [value]
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise TypeError(f"bench seeds={value!r} must be a list of integers, e.g. seeds=[1,2,3]")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"bench seeds={seeds} repeats a seed; list each seed once")
    return seeds


def _override_map(value, group: str, key: str) -> dict[str, list[str]]:
    """Read ``{name: [override, ...]}``; each name must be an option of ``group``.

    A name outside the grid is allowed (a preset may be run with fewer models),
    but a name with no config is a misspelling that would leave its runs unchanged.
    """
    mapping = OmegaConf.to_container(value) if isinstance(value, DictConfig) else dict(value)
    _check_known(list(mapping), available_options(group), key,
                 f"'+{key}.lightgcn=[\"trainer.epochs=5\"]'")  # fmt: skip
    return {name: _string_list(items, f"{key}.{name}", True) for name, items in mapping.items()}


def _check_known(names: list[str], known: list[str], key: str, example: str) -> None:
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"bench {key} names {unknown}, which have no config; available: {known}. "
            f"For example {example}"
        )
