"""From a dataset and split config to train/valid/test and the training graph.

Path of every run: locate the raw files (downloading when missing), then
either load the processed split from the cache or read the files, preprocess
(:func:`recgnn.data.preprocess.preprocess`) and split them, and finally build
the training graph and the profile features.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from recgnn.data.cache import ProcessedCache, cache_key
from recgnn.data.cold_start import cold_item_split
from recgnn.data.csv_logs import load_interaction_log
from recgnn.data.features import NodeFeatures, build_node_features
from recgnn.data.graph import BipartiteGraph
from recgnn.data.interactions import Interactions
from recgnn.data.lightgcn_format import LIGHTGCN_DATASETS, load_lightgcn, locate_lightgcn
from recgnn.data.movielens import (
    ML1M_FILES,
    ML100K_FILES,
    locate_ml1m,
    locate_ml100k,
    ml100k_fold_files,
    read_ml1m,
    read_ml100k,
)
from recgnn.data.preprocess import preprocess
from recgnn.data.split import Split, given_split, random_split
from recgnn.data.stats import log_cold_start, split_statistics
from recgnn.data.temporal_split import leave_one_out_split, temporal_split, user_temporal_split

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetLoader:
    """How to find and read one named data set.

    Args:
        locate: ``(dataset_cfg, split_cfg) -> raw files``, downloading them when
            missing. Their paths, sizes and modification times key the cache.
        read: ``(raw files, dataset_cfg, split_cfg) -> Interactions``. A source
            with its own train/test files sets ``given_part`` on every row.
    """

    locate: Callable[[DictConfig, DictConfig], list[Path]]
    read: Callable[[list[Path], DictConfig, DictConfig], Interactions]


def _given_fold(split_cfg: DictConfig) -> object:
    """Return ``split.fold`` for ``split=given``, else ``None`` (other splits have no fold)."""
    return split_cfg.fold if split_cfg.name == "given" else None


def _ml100k_fold(split_cfg: DictConfig) -> object:
    """Return the GroupLens fold that ``split=given`` reads (default 1), else ``None``."""
    fold = _given_fold(split_cfg)
    return 1 if split_cfg.name == "given" and fold is None else fold


def _locate_ml100k(dataset_cfg: DictConfig, split_cfg: DictConfig) -> list[Path]:
    folder = locate_ml100k(dataset_cfg.root)
    fold = _ml100k_fold(split_cfg)
    if fold is None:
        return [folder / file for file in ML100K_FILES]
    if _given_fold(split_cfg) is None:
        log.info("split=given on ml-100k without split.fold: using GroupLens' fold 1")
    return [folder / file for file in [*ml100k_fold_files(fold), "u.user", "u.item"]]


def _read_ml100k(files: list[Path], dataset_cfg: DictConfig, split_cfg: DictConfig):
    fold = _ml100k_fold(split_cfg)
    return read_ml100k(files[0].parent, None if fold is None else str(fold))


def _lightgcn_loader(name: str) -> DatasetLoader:
    def locate(dataset_cfg: DictConfig, split_cfg: DictConfig) -> list[Path]:
        if _given_fold(split_cfg) is not None:
            raise ValueError(
                f"invalid split.fold={split_cfg.fold!r}: {name} has a single given "
                "train/test split; remove the override (split.fold=null)"
            )
        folder = locate_lightgcn(name, dataset_cfg.root)
        return [folder / "train.txt", folder / "test.txt"]

    def read(files: list[Path], dataset_cfg: DictConfig, split_cfg: DictConfig) -> Interactions:
        return load_lightgcn(files[0].parent)

    return DatasetLoader(locate, read)


def _locate_log(dataset_cfg: DictConfig, split_cfg: DictConfig) -> list[Path]:
    if OmegaConf.is_missing(dataset_cfg, "path") or dataset_cfg.path in (None, ""):
        raise ValueError("dataset=file needs dataset.path, e.g. dataset.path=/data/clicks.csv.gz")
    path = Path(str(dataset_cfg.path)).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"dataset.path={str(path)!r} does not exist or is not a file")
    return [path]


def _read_log(files: list[Path], dataset_cfg: DictConfig, split_cfg: DictConfig):
    return load_interaction_log(
        files[0],
        user_column=dataset_cfg.user_column,
        item_column=dataset_cfg.item_column,
        rating_column=dataset_cfg.rating_column,
        timestamp_column=dataset_cfg.timestamp_column,
        file_format=dataset_cfg.format,
        sep=dataset_cfg.sep,
        header=dataset_cfg.header,
        names=None if dataset_cfg.columns is None else list(dataset_cfg.columns),
        timestamp_format=dataset_cfg.timestamp_format,
    )


# ``dataset.name`` -> how to locate and read it.
DATASET_LOADERS: dict[str, DatasetLoader] = {
    "ml-100k": DatasetLoader(_locate_ml100k, _read_ml100k),
    "ml-1m": DatasetLoader(
        lambda dataset_cfg, split_cfg: [
            locate_ml1m(dataset_cfg.root) / file for file in ML1M_FILES
        ],
        lambda files, dataset_cfg, split_cfg: read_ml1m(files[0].parent),
    ),
    **{name: _lightgcn_loader(name) for name in LIGHTGCN_DATASETS},
    "file": DatasetLoader(_locate_log, _read_log),
}


# ``split.name`` -> splitter called with the preprocessed interactions and both configs.
SPLITTERS: dict[str, Callable[[Interactions, DictConfig, DictConfig], Split]] = {
    "random": lambda interactions, split_cfg, dataset_cfg: random_split(
        interactions, list(split_cfg.ratios), split_cfg.seed
    ),
    "given": lambda interactions, split_cfg, dataset_cfg: given_split(
        interactions, split_cfg.valid_ratio, split_cfg.seed
    ),
    "temporal": lambda interactions, split_cfg, dataset_cfg: temporal_split(
        interactions, list(split_cfg.ratios)
    ),
    "user_temporal": lambda interactions, split_cfg, dataset_cfg: user_temporal_split(
        interactions, list(split_cfg.ratios)
    ),
    "leave_one_out": lambda interactions, split_cfg, dataset_cfg: leave_one_out_split(
        interactions, split_cfg.order, split_cfg.with_valid, split_cfg.seed
    ),
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
    # Profile features of every user and item; None until load_features() builds
    # them, and after it when the data set has no profiles.
    features: NodeFeatures | None = None

    @property
    def num_users(self) -> int:
        return self.graph.num_users

    @property
    def num_items(self) -> int:
        return self.graph.num_items

    def stats(self) -> dict:
        """Return sizes, density, degree quantiles and cold-start counts per split."""
        return split_statistics(self.name, self.split)

    def load_features(self) -> NodeFeatures | None:
        """Build the profile features on first use and return them.

        Only models that read profiles call this, so a flaw in a profile file
        stops those models and leaves the others unaffected. The split parts
        share the full table's id maps and extras, so the training part carries
        every user's and item's profile.
        """
        if self.features is None:
            self.features = build_node_features(self.split.train)
        return self.features


def dataset_loader(name: str) -> DatasetLoader:
    """Return the loader of ``dataset.name``, or raise listing the valid names."""
    if name not in DATASET_LOADERS:
        raise ValueError(
            f"unknown dataset.name={name!r}; available: {sorted(DATASET_LOADERS)} "
            "(select one with dataset=<name>)"
        )
    return DATASET_LOADERS[name]


def load_interactions(
    dataset_cfg: DictConfig, split_cfg: DictConfig, raw_files: list[Path] | None = None
) -> Interactions:
    """Read ``dataset.name``'s raw files and apply the preprocessing steps."""
    loader = dataset_loader(dataset_cfg.name)
    if raw_files is None:
        raw_files = loader.locate(dataset_cfg, split_cfg)
    interactions = loader.read(raw_files, dataset_cfg, split_cfg)
    log.info("%s: %d rows, %d users, %d items", dataset_cfg.name, len(interactions),
             interactions.num_users, interactions.num_items)  # fmt: skip
    if interactions.given_part is not None and split_cfg.name != "given":
        log.info("split=%s re-splits all rows of %s's given train/test files",
                 split_cfg.name, dataset_cfg.name)  # fmt: skip
        # Without the file tags, a pair listed in both files is a duplicate like any other.
        interactions.given_part = None
    return preprocess(interactions, dataset_cfg)


def split_interactions(
    interactions: Interactions, split_cfg: DictConfig, dataset_cfg: DictConfig
) -> Split:
    """Apply the configured split (``split.name``)."""
    _check_split_name(split_cfg.name)
    _check_split_seed(split_cfg)
    return SPLITTERS[split_cfg.name](interactions, split_cfg, dataset_cfg)


def prepare_data(cfg: DictConfig) -> PreparedData:
    """Load (or reuse from the cache), preprocess and split the data, then build the graph."""
    dataset_cfg, split_cfg = cfg.dataset, cfg.split
    loader = dataset_loader(dataset_cfg.name)
    _check_split_name(split_cfg.name)
    _check_split_seed(split_cfg)
    raw_files = loader.locate(dataset_cfg, split_cfg)

    started = time.perf_counter()
    cache = ProcessedCache() if dataset_cfg.cache else None
    key = cache_key(raw_files, dataset_cfg, split_cfg) if cache else ""
    split = cache.load(dataset_cfg.name, key) if cache else None
    if split is not None:
        seconds = time.perf_counter() - started
        log.info("loaded %s from the processed-data cache in %.2f s (%s)",
                 dataset_cfg.name, seconds, cache.path(dataset_cfg.name, key))  # fmt: skip
    else:
        interactions = load_interactions(dataset_cfg, split_cfg, raw_files)
        split = split_interactions(interactions, split_cfg, dataset_cfg)
        log.info("read, preprocessed and split %s in %.2f s",
                 dataset_cfg.name, time.perf_counter() - started)  # fmt: skip
        if cache:
            cache.store(dataset_cfg.name, key, split)

    log_cold_start(split)
    graph = BipartiteGraph.from_interactions(split.train)
    return PreparedData(name=dataset_cfg.name, split=split, graph=graph)


def _check_split_name(name: str) -> None:
    if name not in SPLITTERS:
        raise ValueError(
            f"unknown split.name={name!r}; available: {sorted(SPLITTERS)} "
            "(select one with split=<name>)"
        )


def _check_split_seed(split_cfg: DictConfig) -> None:
    """Reject a ``split.seed`` that is not an integer, or null where the split draws at random.

    NumPy takes a null seed as "fresh entropy", which would give a different
    split on every run without any warning.
    """
    seed = split_cfg.get("seed")
    if seed is None:
        draws = split_cfg.name in ("random", "cold_item") or (
            split_cfg.name == "given" and split_cfg.get("valid_ratio") not in (0, None)
        )
        if not draws:
            return
    elif isinstance(seed, int) and not isinstance(seed, bool):
        return
    raise ValueError(
        f"invalid split.seed={seed!r} for split={split_cfg.name}: expected an integer, "
        "e.g. split.seed=2020"
    )
