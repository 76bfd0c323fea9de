"""Every shipped config composes, and every key in it is used by the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from recgnn.cli.config_path import config_dir, register_resolvers

CONF = Path(config_dir())
register_resolvers()


def compose_train(overrides: list[str]):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


@pytest.mark.parametrize("group", ["dataset", "split", "model", "trainer", "logger"])
def test_every_group_option_composes(group):
    for option in sorted((CONF / group).glob("*.yaml")):
        cfg = compose_train([f"{group}={option.stem}"])
        assert cfg[group] is not None, option


def test_every_experiment_composes():
    experiments = sorted((CONF / "experiment").glob("*.yaml"))
    assert experiments
    for experiment in experiments:
        cfg = compose_train([f"experiment={experiment.stem}"])
        OmegaConf.resolve(cfg)


@pytest.mark.parametrize("group", ["dataset", "split", "model", "trainer", "logger"])
def test_every_config_key_has_a_comment(group):
    for path in sorted((CONF / group).glob("*.yaml")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            stripped = line.strip()
            top_level_key = (
                stripped and not stripped.startswith(("#", "-")) and ":" in stripped
                and line[0] != " " and not stripped.startswith(("defaults", "hydra", "eval"))
            )  # fmt: skip
            if top_level_key:
                previous = lines[number - 1].strip() if number else ""
                assert previous.startswith("#") or "#" in line, f"{path}:{number + 1} {line}"
