"""User and item profile features for models that use side information (GraphSAGE).

The loaders keep the raw profile tables in ``Interactions.extras``:
``"user_profiles"`` and ``"item_profiles"``, pandas data frames indexed by the
raw ids. This module turns them into dense feature matrices whose rows follow
the contiguous ``user_index`` / ``item_index``:

- users: one-hot gender, age group, occupation and zip-code region, plus the
  standardized age;
- items: multi-hot genres, plus the standardized release year and a flag for
  a missing year.

Expected columns (MovieLens-100K ``u.user``/``u.item`` and MovieLens-1M
``users.dat``/``movies.dat``): ``age``, ``gender``, ``occupation``,
``zip_code`` for users; 0/1 genre columns named as in :data:`GENRES`, and a
``year``, ``release_date`` or ``title`` column holding the year for items.
A table without any of these columns gives no features for its side.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from recgnn.data.interactions import Interactions
from recgnn.data.movielens import GENRES

log = logging.getLogger(__name__)

# Lower bounds of the MovieLens-1M age groups (users.dat stores these codes).
# ML-100K's exact ages fall into the same groups, so both data sets share them.
AGE_GROUP_STARTS = (0, 18, 25, 35, 45, 50, 56)
USER_COLUMNS = ("age", "gender", "occupation", "zip_code")
YEAR_PATTERN = re.compile(r"(1[89]\d\d|20\d\d)")


@dataclass
class NodeFeatures:
    """Dense profile features, one row per user and per item of the catalogue.

    Args:
        user: User features, or ``None`` when the data set has no user profiles.
        item: Item features, or ``None`` when it has no item profiles.
        user_columns: Name of each user feature column.
        item_columns: Name of each item feature column.

    Shapes:
        - ``user``: ``(num_users, len(user_columns))`` (float32)
        - ``item``: ``(num_items, len(item_columns))`` (float32)
    """

    user: Tensor | None
    item: Tensor | None
    user_columns: list[str]
    item_columns: list[str]


def build_node_features(interactions: Interactions) -> NodeFeatures | None:
    """Build the profile features of every user and item, or ``None`` without profiles."""
    user_profiles = interactions.extras.get("user_profiles")
    item_profiles = interactions.extras.get("item_profiles")
    if user_profiles is None and item_profiles is None:
        return None
    folder = interactions.extras.get("folder")
    source = f" in {folder}" if folder else ""
    user, user_columns = None, []
    if user_profiles is not None:
        profiles = _align(user_profiles, interactions.user_ids, "user", source)
        user, user_columns = user_features(profiles)
    item, item_columns = None, []
    if item_profiles is not None:
        profiles = _align(item_profiles, interactions.item_ids, "item", source)
        item, item_columns = item_features(profiles)
    log.info("profile features: %d per user, %d per item", len(user_columns), len(item_columns))
    return NodeFeatures(_to_tensor(user), _to_tensor(item), user_columns, item_columns)


def user_features(profiles: pd.DataFrame) -> tuple[np.ndarray | None, list[str]]:
    """Encode age, gender, occupation and zip-code region; rows follow ``profiles``."""
    blocks: list[pd.DataFrame] = []
    if "age" in profiles:
        age = pd.to_numeric(profiles["age"], errors="raise").astype(float)
        group = np.searchsorted(AGE_GROUP_STARTS, age.to_numpy(), side="right") - 1
        labels = [f"{start}+" for start in AGE_GROUP_STARTS]
        blocks.append(_one_hot(pd.Series(np.array(labels)[group], index=profiles.index),
                               "age_group", categories=labels))  # fmt: skip
        blocks.append(pd.DataFrame({"age": _standardize(age)}, index=profiles.index))
    if "gender" in profiles:
        blocks.append(_one_hot(profiles["gender"].astype(str), "gender"))
    if "occupation" in profiles:
        blocks.append(_one_hot(profiles["occupation"].astype(str), "occupation"))
    if "zip_code" in profiles:
        blocks.append(_one_hot(zip_region(profiles["zip_code"]), "zip_region"))
    return _stack(blocks)


def item_features(profiles: pd.DataFrame) -> tuple[np.ndarray | None, list[str]]:
    """Encode the genre flags and the release year; rows follow ``profiles``."""
    blocks: list[pd.DataFrame] = []
    genres = [genre for genre in GENRES if genre in profiles]
    if genres:
        flags = profiles[genres].astype(float)
        blocks.append(flags.rename(columns=lambda genre: f"genre={genre}"))
    year = release_year(profiles)
    if year is not None:
        missing = year.isna()
        # Standardized over the known years; a missing year becomes the mean (0).
        standardized = _standardize(year).fillna(0.0)
        blocks.append(pd.DataFrame({"year": standardized, "year_missing": missing.astype(float)},
                                   index=profiles.index))  # fmt: skip
    return _stack(blocks)


def zip_region(zip_codes: pd.Series) -> pd.Series:
    """Return the first digit of each US zip code (its national area), else ``other``.

    MovieLens also contains Canadian postal codes such as ``T8H1N``; they all
    become ``other``.
    """
    text = zip_codes.astype(str).str.strip()
    first = text.str[0]
    return first.where(first.str.isdigit().fillna(False), "other")


def release_year(profiles: pd.DataFrame) -> pd.Series | None:
    """Return the release year per item (``NaN`` where unknown), or ``None`` without a source.

    Read from ``year`` if present, else the last year-like number in
    ``release_date`` (``01-Jan-1995``), else in ``title`` (``Toy Story (1995)``).
    """
    if "year" in profiles:
        return pd.to_numeric(profiles["year"], errors="coerce").astype(float)
    for column in ("release_date", "title"):
        if column in profiles:
            found = profiles[column].astype(str).str.findall(YEAR_PATTERN)
            return found.map(lambda years: float(years[-1]) if years else np.nan)
    return None


def _align(profiles: pd.DataFrame, raw_ids: np.ndarray, side: str, source: str) -> pd.DataFrame:
    """Return the profile rows in contiguous-index order, raising on missing or repeated ids.

    A repeated id would make ``profiles.loc`` return extra rows and shift every
    later row's features onto the wrong user or item, so it is rejected.
    """
    repeated = profiles.index[profiles.index.duplicated()].unique()
    if len(repeated):
        raise ValueError(
            f"the {side} profiles{source} list {side} id {_plain(repeated[0])!r} more than "
            f"once ({len(repeated)} such ids); each {side} needs exactly one profile row, "
            "so remove the repeated rows"
        )
    missing = pd.Index(raw_ids).difference(profiles.index)
    if len(missing):
        raise ValueError(
            f"the {side} profiles{source} have no row for {len(missing)} of {len(raw_ids)} "
            f"{side} ids of the ratings (first: {_plain(missing[0])!r}); add the missing "
            f"profile rows or remove these {side}s' ratings"
        )
    return profiles.loc[raw_ids]


def _plain(value: object) -> object:
    # NumPy scalars print as np.int64(7); the plain Python value prints as 7.
    return value.item() if isinstance(value, np.generic) else value


def _one_hot(values: pd.Series, prefix: str, categories: list[str] | None = None) -> pd.DataFrame:
    # Sorted categories make the column order independent of the row order.
    categories = sorted(values.unique()) if categories is None else categories
    frame = pd.get_dummies(pd.Categorical(values, categories=categories), prefix=prefix,
                           prefix_sep="=", dtype=float)  # fmt: skip
    frame.index = values.index
    return frame


def _standardize(values: pd.Series) -> pd.Series:
    spread = values.std(ddof=0)
    centered = values - values.mean()
    return centered / spread if spread > 0 else centered


def _stack(blocks: list[pd.DataFrame]) -> tuple[np.ndarray | None, list[str]]:
    if not blocks:
        return None, []
    frame = pd.concat(blocks, axis=1)
    return frame.to_numpy(dtype=np.float32), [str(column) for column in frame.columns]


def _to_tensor(values: np.ndarray | None) -> Tensor | None:
    return None if values is None else torch.from_numpy(np.ascontiguousarray(values))
