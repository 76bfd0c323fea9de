"""Grid expansion: job order, config hashes, run folders and config validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from recgnn.benchmark.grid import available_options, config_hash, expand_grid, resolve_models
from recgnn.cli.config_path import config_dir
from recgnn.models.registry import MODELS
from tests.benchmark.helpers import compose_bench

CONF = Path(config_dir())
TWO_BY_TWO = ("models=[pop,lightgcn]", "seeds=[1,2]", "name=tiny")


def test_grid_order_and_overrides():
    jobs = expand_grid(compose_bench(*TWO_BY_TWO))

    assert [job.name for job in jobs] == [
        "ml-100k/pop/seed1", "ml-100k/pop/seed2",
        "ml-100k/lightgcn/seed1", "ml-100k/lightgcn/seed2",
    ]  # fmt: skip
    first = jobs[0]
    assert first.config.model.name == "pop"
    assert first.config.seed == 1
    assert first.config.trainer.progress_bar is False
    assert first.overrides[:3] == ("dataset=ml-100k", "model=pop", "seed=1")


def test_every_job_gets_its_own_folder():
    jobs = expand_grid(compose_bench(*TWO_BY_TWO))

    folders = {job.run_dir(Path("runs")) for job in jobs}
    assert len(folders) == len(jobs)
    assert jobs[0].run_dir(Path("runs")) == Path(f"runs/ml-100k/pop/seed1-{jobs[0].config_hash}")


def test_hash_is_stable_across_expansions():
    first = expand_grid(compose_bench(*TWO_BY_TWO))
    second = expand_grid(compose_bench(*TWO_BY_TWO))

    assert [job.config_hash for job in first] == [job.config_hash for job in second]


def test_hash_follows_settings_but_not_logging():
    cfg = expand_grid(compose_bench(*TWO_BY_TWO))[0].config
    base = config_hash(cfg)

    changed = OmegaConf.merge(cfg, {"trainer": {"lr": 0.1}})
    assert config_hash(changed) != base
    reseeded = OmegaConf.merge(cfg, {"seed": 99})
    assert config_hash(reseeded) != base
    relogged = OmegaConf.merge(
        cfg, {"logger": {"project": "other"}, "trainer": {"progress_bar": True}}
    )
    assert config_hash(relogged) == base


def test_wandb_runs_grouped_by_benchmark():
    jobs = expand_grid(compose_bench(*TWO_BY_TWO, 'overrides=["logger=wandb"]'))

    assert {job.config.logger.group for job in jobs} == {"tiny"}
    assert [job.config.logger.name_override for job in jobs] == [job.name for job in jobs]


def test_per_model_and_dataset_overrides():
    jobs = expand_grid(compose_bench(
        *TWO_BY_TWO,
        '+model_overrides.lightgcn=["trainer.epochs=2"]',
        '+dataset_overrides.ml-100k=["eval.batch_size=64"]',
    ))  # fmt: skip

    epochs = {job.model: job.config.trainer.epochs for job in jobs}
    assert epochs["lightgcn"] == 2
    assert epochs["pop"] != 2
    assert all(job.config.eval.batch_size == 64 for job in jobs)


def test_overrides_for_models_outside_grid_ignored():
    jobs = expand_grid(compose_bench(*TWO_BY_TWO, '+model_overrides.mf=["trainer.epochs=1"]'))

    assert {job.model for job in jobs} == {"pop", "lightgcn"}
    assert all(job.config.trainer.epochs != 1 for job in jobs)


def test_all_models_come_from_registry():
    models, missing = resolve_models("all")

    assert models == sorted(name for name in MODELS if name in available_options("model"))
    assert missing == sorted(name for name in MODELS if name not in available_options("model"))
    assert "lightgcn" in models


@pytest.mark.parametrize(
    ("override", "error", "message"),
    [
        ("models=[lightgnc]", ValueError, r"bench models names \['lightgnc'\].*lightgcn"),
        ("datasets=[ml-10k]", ValueError, r"bench datasets names \['ml-10k'\].*ml-100k"),
        ("seeds=[1,1]", ValueError, r"seeds=\[1, 1\] repeats a seed"),
        ("seeds=[one]", TypeError, r"seeds=.*must be a list of integers, e.g. seeds=\[1,2,3\]"),
        ("models=[]", ValueError, r"bench models is empty"),
        ('+model_overrides.lightgnc=["trainer.epochs=1"]', ValueError,
         r"bench model_overrides names \['lightgnc'\], which have no config"),
        ('overrides=["trainer.epoch=5"]', ValueError,
         r"cannot compose the recgnn-train config of ml-100k/pop/seed1.*trainer.epoch=5"),
    ],
)  # fmt: skip
def test_bad_grid_config_raises(override, error, message):
    with pytest.raises(error, match=message):
        expand_grid(compose_bench(*TWO_BY_TWO, override))


@pytest.mark.parametrize("preset", available_options("bench"))
def test_every_preset_expands(preset):
    # One seed keeps the test short; every model and data set is still composed.
    cfg = compose_bench(f"bench={preset}", "seeds=[1]")
    jobs = expand_grid(cfg)

    assert cfg.name == preset
    assert jobs
    assert len({job.config_hash for job in jobs}) == len(jobs)


@pytest.mark.parametrize("path", [CONF / "bench.yaml", *sorted((CONF / "bench").glob("*.yaml"))])
def test_every_bench_key_commented(path):
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        top_level_key = line[:1].isalpha() and ":" in line and not line.startswith("defaults")
        if top_level_key:
            previous = lines[number - 1].strip() if number else ""
            assert previous.startswith("#"), f"{path}:{number + 1} {line}"
