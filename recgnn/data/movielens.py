"""MovieLens-100K and MovieLens-1M from GroupLens' files, read locally or downloaded and cached.

Source: F. Maxwell Harper and Joseph A. Konstan, "The MovieLens Datasets:
History and Context", ACM TiiS 2015. Research use only; the files are never
redistributed with recgnn.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from recgnn.data.download import candidate_roots, fetch_zip_dataset, find_local_copy
from recgnn.data.interactions import PART_TEST, PART_TRAIN, Interactions
from recgnn.data.parsing import read_delimited

log = logging.getLogger(__name__)

ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
# GroupLens publishes this MD5 beside the archive (ml-100k.zip.md5).
ML100K_MD5 = "0e33842e24a9c977be4e0107933c0723"
ML100K_FILES = ["u.data", "u.user", "u.item"]
# GroupLens' own splits: u1..u5 are five disjoint 80/20 folds, ua/ub hold out
# exactly 10 ratings per user.
ML100K_FOLDS = ("1", "2", "3", "4", "5", "a", "b")

ML1M_URL = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
# GroupLens publishes this MD5 beside the archive (ml-1m.zip.md5).
ML1M_MD5 = "c4d9eecfca2ab87c1945afe126590906"
ML1M_FILES = ["ratings.dat", "users.dat", "movies.dat"]

GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip


def locate_ml100k(root: str | os.PathLike | None = None) -> Path:
    """Return the folder holding ML-100K's files, downloading them if no local copy exists."""
    roots = candidate_roots(root)
    folder = find_local_copy(roots, "ml-100k", ML100K_FILES)
    if folder is None:
        folder = fetch_zip_dataset("ml-100k", ML100K_URL, ML100K_MD5, ML100K_FILES, roots)
    return folder


def load_ml100k(root: str | os.PathLike | None = None) -> Interactions:
    """Load all 100,000 ratings of ML-100K with user and item profiles in ``extras``.

    ``extras["user_profiles"]`` and ``extras["item_profiles"]`` are data frames
    indexed by the raw GroupLens ids.
    """
    return read_ml100k(locate_ml100k(root))


def read_ml100k(folder: Path, fold: str | None = None) -> Interactions:
    """Read ML-100K from ``folder``: ``u.data``, or fold ``fold``'s base and test files.

    With a fold, rows carry ``given_part`` (``u<fold>.base`` train, ``u<fold>.test``
    test), so ``split=given`` reproduces GroupLens' division exactly.
    """
    if fold is None:
        log.info("reading ML-100K from %s", folder)
        ratings = read_ratings_file(folder / "u.data")
        given_part = None
    else:
        base_file, test_file = ml100k_fold_files(fold)
        log.info("reading ML-100K fold %s from %s (%s, %s)", fold, folder, base_file, test_file)
        base = read_ratings_file(folder / base_file)
        test = read_ratings_file(folder / test_file)
        ratings = pd.concat([base, test], ignore_index=True)
        given_part = np.repeat(np.array([PART_TRAIN, PART_TEST], np.int8), [len(base), len(test)])
    interactions = _from_ratings(ratings, given_part)
    interactions.extras["user_profiles"] = read_user_profiles(folder / "u.user")
    interactions.extras["item_profiles"] = read_item_profiles(folder / "u.item")
    interactions.extras["folder"] = str(folder)
    return interactions


def ml100k_fold_files(fold: object) -> tuple[str, str]:
    """Return the base and test file names of a GroupLens fold (``1``-``5``, ``a``, ``b``)."""
    if str(fold) not in ML100K_FOLDS:
        raise ValueError(
            f"invalid split.fold={fold!r} for ml-100k; expected one of {list(ML100K_FOLDS)} "
            "(u1..u5 are 80/20 folds, ua/ub hold out 10 ratings per user), e.g. split.fold=1"
        )
    return f"u{fold}.base", f"u{fold}.test"


def locate_ml1m(root: str | os.PathLike | None = None) -> Path:
    """Return the folder holding ML-1M's files, downloading them if no local copy exists."""
    roots = candidate_roots(root)
    folder = find_local_copy(roots, "ml-1m", ML1M_FILES)
    if folder is None:
        folder = fetch_zip_dataset("ml-1m", ML1M_URL, ML1M_MD5, ML1M_FILES, roots)
    return folder


def read_ml1m(folder: Path) -> Interactions:
    """Read ML-1M's 1,000,209 ratings (``ratings.dat``) with user and movie profiles.

    ``extras["user_profiles"]`` contains gender, age group, occupation code and
    zip code. ``extras["item_profiles"]`` contains the title, the ``|``-joined
    genres and one 0/1 column per genre of :data:`GENRES`.
    """
    log.info("reading ML-1M from %s", folder)
    ratings = read_delimited(
        folder / "ratings.dat",
        ["user", "item", "rating", "timestamp"],
        sep="::",
        numeric={"user": "int", "item": "int", "rating": "float", "timestamp": "int"},
    )
    interactions = _from_ratings(ratings, None)
    users = read_delimited(
        folder / "users.dat",
        ["user", "gender", "age", "occupation", "zip_code"],
        sep="::",
        numeric={"user": "int", "age": "int", "occupation": "int"},
    )
    # movies.dat is Latin-1 encoded (accented titles such as "Misérables").
    movies = read_delimited(
        folder / "movies.dat", ["item", "title", "genres"], sep="::",
        numeric={"item": "int"}, encoding="latin-1",
    )  # fmt: skip
    # One 0/1 column per genre, named as in ML-100K's u.item, so both data sets
    # give the same item features.
    genre_sets = movies["genres"].str.split("|")
    for genre in GENRES:
        movies[genre] = genre_sets.map(lambda names, genre=genre: int(genre in names))
    interactions.extras["user_profiles"] = users.set_index("user")
    interactions.extras["item_profiles"] = movies.set_index("item")
    interactions.extras["folder"] = str(folder)
    return interactions


def _from_ratings(ratings: pd.DataFrame, given_part: np.ndarray | None) -> Interactions:
    return Interactions.from_raw(
        ratings["user"].to_numpy(),
        ratings["item"].to_numpy(),
        rating=ratings["rating"].to_numpy(),
        timestamp=ratings["timestamp"].to_numpy(),
        given_part=given_part,
    )


def read_ratings_file(path: Path) -> pd.DataFrame:
    """Read a tab-separated ``user item rating timestamp`` file (``u.data``, ``u1.base``, ...)."""
    return read_delimited(
        path,
        ["user", "item", "rating", "timestamp"],
        sep="\t",
        numeric={"user": "int", "item": "int", "rating": "float", "timestamp": "int"},
    )


def read_user_profiles(path: Path) -> pd.DataFrame:
    """Read ``u.user``: age, gender, occupation and zip code per user id."""
    frame = read_delimited(
        path, ["user", "age", "gender", "occupation", "zip_code"], sep="|", numeric={"user": "int"}
    )
    frame["age"] = frame["age"].astype(int)
    return frame.set_index("user")


def read_item_profiles(path: Path) -> pd.DataFrame:
    """Read ``u.item``: title, release date and the 19 genre flags per item id."""
    columns = ["item", "title", "release_date", "video_release_date", "imdb_url", *GENRES]
    frame = read_delimited(path, columns, sep="|", numeric={"item": "int"}, encoding="latin-1")
    frame[GENRES] = frame[GENRES].astype(int)
    return frame.set_index("item")
