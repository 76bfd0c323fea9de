"""Builders shared by the fault-kind tests: every registry model, small, and tiny run configs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from recgnn.cli.config_path import config_dir, register_resolvers
from recgnn.data.datamodule import PreparedData
from recgnn.data.features import NodeFeatures
from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.base import Recommender
from recgnn.models.registry import MODELS, build_model
from recgnn.tracking.base import Tracker
from recgnn.training.trainer import Trainer

register_resolvers()

# Overrides that shrink each shipped model config so a few epochs take well under a second.
SMALL_MODELS = {
    "lightgcn": ["model.embedding_dim=8", "model.num_layers=2"],
    "mf": ["model.embedding_dim=8"],
    "ngcf": ["model.embedding_dim=8", "model.layer_dims=[8,8]"],
    "graphsage": ["model.embedding_dim=8"],
    "graphsage_sampled": [
        "model=graphsage",
        "model.embedding_dim=8",
        "model.sampling=true",
        "model.num_neighbors=[3,3]",
    ],
    "pop": [],
    "userknn": [],
    "itemknn": [],
    "ease": [],
}
# Every registry model, plus GraphSAGE on sampled neighbourhoods.
MODEL_VARIANTS = sorted(SMALL_MODELS)
TRAINABLE_VARIANTS = [name for name in MODEL_VARIANTS
                      if MODELS[name.removesuffix("_sampled")].is_trainable]  # fmt: skip


def compose_train(*overrides: str) -> DictConfig:
    """Return ``conf/train.yaml`` composed with command-line style overrides."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name="train", overrides=list(overrides))


def model_overrides(variant: str) -> list[str]:
    """Return the overrides selecting ``variant`` (a key of ``SMALL_MODELS``) at small size."""
    extra = SMALL_MODELS[variant]
    if extra and extra[0].startswith("model="):
        return extra
    return [f"model={variant}", *extra]


def random_features(num_users: int, num_items: int, seed: int = 0) -> NodeFeatures:
    """Return random user and item profile features (GraphSAGE needs both)."""
    generator = torch.Generator().manual_seed(seed)
    return NodeFeatures(
        user=torch.rand(num_users, 3, generator=generator),
        item=torch.rand(num_items, 2, generator=generator),
        user_columns=["a", "b", "c"],
        item_columns=["x", "y"],
    )


def build_variant(variant: str, data: PreparedData) -> Recommender:
    """Build ``variant`` through the registry from its shipped config, at small size."""
    features = data.features or random_features(data.num_users, data.num_items)
    return build_model(compose_train(*model_overrides(variant)).model, data.graph, features)


def fit_briefly(model: Recommender, data: PreparedData, rng: np.random.Generator,
                epochs: int = 2, tracker: Tracker | None = None) -> Trainer:  # fmt: skip
    """Fit ``model`` with the real trainer for a few epochs (fitted models: just fit)."""
    trainer = Trainer(
        model, data, Evaluator(data.num_items, [2, 5]), tracker or Tracker(), rng,
        epochs=epochs, batch_size=16, lr=0.05, eval_every=1, patience=None,
        monitor="val/ndcg@5", progress_bar=False,
    )  # fmt: skip
    trainer.fit()
    return trainer


def write_log(path: Path, rows: list[tuple], header: str = "user,item,rating,timestamp") -> Path:
    """Write ``rows`` as a CSV interaction log with the given header line."""
    lines = [header, *(",".join(str(value) for value in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path
