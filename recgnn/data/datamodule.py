"""From a dataset and split config to train/valid/test and the training graph."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from omegaconf import DictConfig

from recgnn.data.cold_start import cold_item_split
from recgnn.data.features import NodeFeatures, build_node_features
from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions
from recgnn.data.movielens import load_ml100k
from recgnn.data.preprocess import apply_min_rating, compact_ids, drop_duplicates
from recgnn.data.split import Split, random_split

log = logging.getLogger(__name__)

# ``dataset.name`` -> loader called with the whole dataset config.
DATASET_LOADERS: dict[str, Callable[[DictConfig], Interactions]] = {
    "ml-100k": lambda dataset_cfg: load_ml100k(dataset_cfg.root),
}


def _random(interactions: Interactions, split_cfg: DictConfig, dataset_cfg: DictConfig) -> Split:
    return random_split(interactions, list(split_cfg.ratios), split_cfg.seed)


# ``split.name`` -> splitter called with the preprocessed interactions and both configs.
SPLITTERS: dict[str, Callable[[Interactions, DictConfig, DictConfig], Split]] = {
    "random": _random,
    "cold_item": lambda interactions, split_cfg, dataset_cfg: cold_item_split(
        interactions, list(split_cfg.ratios), split_cfg.seed
    ),
}


@dataclass
class PreparedData:
    """Everything a run needs: the split, the training graph and summary statistics."""

    name: str
    split: Split
    graph: BipartiteGraph
    # Profile features of every user and item; None when the data set has no profiles.
    features: NodeFeatures | None = None

    @property
    def num_users(self) -> int:
        return self.graph.num_users

    @property
    def num_items(self) -> int:
        return self.graph.num_items

    def stats(self) -> dict:
        """Return counts per split and the cold-start counts of the test rows."""
        train_users = np.zeros(self.num_users, dtype=bool)
        train_items = np.zeros(self.num_items, dtype=bool)
        train_users[self.split.train.user_index] = True
        train_items[self.split.train.item_index] = True
        test = self.split.test
        num_pairs = self.num_users * self.num_items
        return {
            "dataset": self.name,
            "num_users": self.num_users,
            "num_items": self.num_items,
            "num_train": len(self.split.train),
            "num_valid": len(self.split.valid),
            "num_test": len(test),
            "density": (len(self.split.train) + len(self.split.valid) + len(test)) / num_pairs,
            "test_rows_unseen_user": int((~train_users[test.user_index]).sum()),
            "test_rows_unseen_item": int((~train_items[test.item_index]).sum()),
        }


def load_interactions(dataset_cfg: DictConfig) -> Interactions:
    """Load the raw interactions of ``dataset.name`` and apply the preprocessing steps."""
    name = dataset_cfg.name
    if name not in DATASET_LOADERS:
        raise ValueError(
            f"unknown dataset.name={name!r}; available: {sorted(DATASET_LOADERS)} "
            "(select one with dataset=<name>)"
        )
    interactions = DATASET_LOADERS[name](dataset_cfg)
    log.info(
        "%s: %d rows, %d users, %d items",
        name,
        len(interactions),
        interactions.num_users,
        interactions.num_items,
    )
    interactions = apply_min_rating(interactions, dataset_cfg.min_rating)
    interactions = drop_duplicates(interactions, dataset_cfg.duplicates)
    return compact_ids(interactions)


def split_interactions(
    interactions: Interactions, split_cfg: DictConfig, dataset_cfg: DictConfig
) -> Split:
    """Apply the configured split (``split.name``)."""
    if split_cfg.name not in SPLITTERS:
        raise ValueError(
            f"unknown split.name={split_cfg.name!r}; available: {sorted(SPLITTERS)} "
            "(select one with split=<name>)"
        )
    return SPLITTERS[split_cfg.name](interactions, split_cfg, dataset_cfg)


def prepare_data(cfg: DictConfig) -> PreparedData:
    """Load, preprocess and split the data set, then build the training graph."""
    interactions = load_interactions(cfg.dataset)
    split = split_interactions(interactions, cfg.split, cfg.dataset)
    graph = BipartiteGraph.from_interactions(split.train)
    features = build_node_features(interactions)
    return PreparedData(name=cfg.dataset.name, split=split, graph=graph, features=features)
