"""The LightGCN benchmark splits (Gowalla, Yelp2018, Amazon-Book) in their published files.

Source: Xiangnan He et al., "LightGCN: Simplifying and Powering Graph
Convolution Network for Recommendation", SIGIR 2020, and the ``data/`` folder
of the authors' PyTorch code (github.com/gusye1234/LightGCN-PyTorch). Each data
set is a ``train.txt`` and a ``test.txt`` with one line per user,
``user item item ...``, ids from 0. The files fix the train/test division, so
the loader tags every row with the file it came from (``given_part``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from recgnn.data.download import candidate_roots, fetch_plain_files, find_local_copy
from recgnn.data.interactions import PART_TEST, PART_TRAIN, Interactions

log = logging.getLogger(__name__)

LIGHTGCN_DATASETS = ("gowalla", "yelp2018", "amazon-book")
# NOTE: the repository publishes no checksums for these files, so a download
# is only checked for its format while parsing.
LIGHTGCN_BASE_URL = "https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data"
LIGHTGCN_FILES = ["train.txt", "test.txt"]


def locate_lightgcn(name: str, root: str | os.PathLike | None = None) -> Path:
    """Return the folder holding ``name``'s train.txt and test.txt, downloading them if needed."""
    if name not in LIGHTGCN_DATASETS:
        raise ValueError(
            f"unknown LightGCN data set {name!r}; expected one of {list(LIGHTGCN_DATASETS)}"
        )
    roots = candidate_roots(root)
    folder = find_local_copy(roots, name, LIGHTGCN_FILES)
    if folder is None:
        folder = fetch_plain_files(name, f"{LIGHTGCN_BASE_URL}/{name}", LIGHTGCN_FILES, roots)
    return folder


def load_lightgcn(folder: Path) -> Interactions:
    """Read ``train.txt`` and ``test.txt`` of one LightGCN data set into one table.

    Rows keep their file in ``given_part`` (``PART_TRAIN`` or ``PART_TEST``),
    and the raw ids are the integers of the files, so index ``k`` is id ``k``
    whenever every id occurs.
    """
    train_users, train_items = read_user_item_lists(folder / "train.txt")
    test_users, test_items = read_user_item_lists(folder / "test.txt")
    log.info(
        "read %s: %d training and %d test interactions",
        folder, len(train_users), len(test_users),
    )  # fmt: skip
    given_part = np.concatenate(
        [
            np.full(len(train_users), PART_TRAIN, dtype=np.int8),
            np.full(len(test_users), PART_TEST, dtype=np.int8),
        ]
    )
    interactions = Interactions.from_raw(
        np.concatenate([train_users, test_users]),
        np.concatenate([train_items, test_items]),
        given_part=given_part,
    )
    interactions.extras["folder"] = str(folder)
    return interactions


def read_user_item_lists(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a ``user item item ...`` file into one (user, item) pair per interaction.

    Fields are separated by any whitespace and blank lines are skipped. A
    line holding only a user id contributes no interaction.

    Raises:
        ValueError: Naming the file, the 1-based line number and the bad field.
    """
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise ValueError(
            f"{path} is empty; expected one line per user, 'user item item ...', "
            "for example '0 12 7 40'"
        )
    users: list[int] = []
    items: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        ids = _parse_ids(fields, path, number)
        users.extend([ids[0]] * (len(ids) - 1))
        items.extend(ids[1:])
    return np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)


def _parse_ids(fields: list[str], path: Path, number: int) -> list[int]:
    try:
        ids = [int(field) for field in fields]
    except ValueError:
        bad = next(field for field in fields if not _is_int(field))
        raise ValueError(
            f"{path}, line {number}: {bad!r} is not an integer id; every line must be "
            "'user item item ...' with non-negative integer ids, for example '0 12 7 40'"
        ) from None
    if min(ids) < 0:
        raise ValueError(
            f"{path}, line {number}: negative id {min(ids)}; ids must be non-negative integers"
        )
    return ids


def _is_int(field: str) -> bool:
    try:
        int(field)
    except ValueError:
        return False
    return True
