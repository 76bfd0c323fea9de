"""Compose the shipped Hydra configs for data tests, and write tiny data files."""

from __future__ import annotations

import gzip
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from recgnn.cli.config_path import config_dir, register_resolvers

register_resolvers()


def compose_config(config_name: str, overrides: list[str]) -> DictConfig:
    """Return ``conf/<config_name>.yaml`` composed with command-line style overrides."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides)


def compose_data(*overrides: str) -> DictConfig:
    """Return the ``recgnn-data`` config with these overrides."""
    return compose_config("data", list(overrides))


def file_dataset(path: Path, *overrides: str) -> DictConfig:
    """Return a ``dataset=file`` config reading ``path``, with further overrides."""
    return compose_data("dataset=file", f"dataset.path={path}", *overrides)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (gzip-compressed when the name ends in ``.gz``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_lightgcn(root: Path, name: str, train: dict, test: dict) -> Path:
    """Write ``root/name/{train,test}.txt`` from ``{user: [items]}`` maps."""
    folder = root / name
    for file, lists in (("train.txt", train), ("test.txt", test)):
        lines = [" ".join(str(v) for v in [user, *items]) for user, items in lists.items()]
        write_text(folder / file, "\n".join(lines) + "\n")
    return folder


def raw_pairs(interactions) -> set[tuple]:
    """Return the (raw user id, raw item id) pairs of an Interactions table."""
    users = interactions.user_ids[interactions.user_index]
    items = interactions.item_ids[interactions.item_index]
    return set(zip(users.tolist(), items.tolist(), strict=True))
