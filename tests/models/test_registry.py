"""Every model config composes, builds and scores through the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.features import NodeFeatures
from recgnn.models.registry import MODELS, build_model
from tests.models import tiny

MODEL_CONFIGS = sorted(path.stem for path in (Path(config_dir()) / "model").glob("*.yaml"))
PAIRS = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3), (3, 0)]
FEATURES = NodeFeatures(torch.rand(4, 3), torch.rand(5, 2), ["a", "b", "c"], ["x", "y"])


def model_config(name: str, *overrides: str):
    register_resolvers()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name="train", overrides=[f"model={name}", *overrides]).model


def test_every_registered_model_has_a_config():
    assert sorted(MODELS) == MODEL_CONFIGS


@pytest.mark.parametrize("name", MODEL_CONFIGS)
def test_model_config_builds_and_scores(name):
    graph = tiny.graph(PAIRS, 4, 5)
    model = build_model(model_config(name), graph, FEATURES)
    assert isinstance(model, MODELS[name])
    model.fit(graph)
    model.eval()
    model.prepare_scoring()
    scores = model.score_users(torch.tensor([0, 3]))
    assert scores.shape == (2, 5)
    assert torch.isfinite(scores).all()


@pytest.mark.parametrize("name", MODEL_CONFIGS)
def test_model_config_keys_have_comments(name):
    lines = (Path(config_dir()) / "model" / f"{name}.yaml").read_text().splitlines()
    for position, line in enumerate(lines):
        if line and not line.startswith((" ", "#")) and not line.startswith("name:"):
            assert lines[position - 1].startswith("#"), f"{name}.yaml: {line!r} has no comment"


def test_registry_rejects_unknown_key():
    config = model_config("itemknn", "+model.neighbours=5")
    with pytest.raises(ValueError, match=r"model 'itemknn' has no option\(s\) \['neighbours'\]"):
        build_model(config, tiny.graph(PAIRS, 4, 5))


def test_registry_rejects_unknown_model():
    config = model_config("mf", "model.name=bpr")
    with pytest.raises(ValueError, match=r"unknown model\.name='bpr'; available: .*'mf'"):
        build_model(config, tiny.graph(PAIRS, 4, 5))


def test_registry_passes_features_to_graphsage():
    model = build_model(model_config("graphsage"), tiny.graph(PAIRS, 4, 5), FEATURES)
    np.testing.assert_array_equal(model.user_features.numpy(), FEATURES.user.numpy())
    assert model.encoders["item"].in_features == 2


def test_registry_graphsage_without_profiles():
    with pytest.raises(ValueError, match=r"set model\.use_features=false"):
        build_model(model_config("graphsage"), tiny.graph(PAIRS, 4, 5), None)
    model = build_model(model_config("graphsage", "model.use_features=false"),
                        tiny.graph(PAIRS, 4, 5), None)  # fmt: skip
    assert not model.use_features


@pytest.mark.parametrize("name", ["lightgcn", "ngcf", "mf", "graphsage"])
@pytest.mark.parametrize("embedding_dim", [0, -3])
def test_non_positive_embedding_dim_rejected(name, embedding_dim):
    cfg = OmegaConf.create({"name": name, "embedding_dim": embedding_dim})
    with pytest.raises(ValueError, match="model.embedding_dim must be"):
        build_model(cfg, tiny.graph(PAIRS, 4, 5), FEATURES)
