"""Profile features: encodings, row order and missing profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recgnn.data.features import build_node_features, item_features, user_features, zip_region
from recgnn.data.interactions import Interactions


def user_profiles() -> pd.DataFrame:
    return pd.DataFrame(
        {"age": [24, 53, 17], "gender": ["M", "F", "M"],
         "occupation": ["technician", "other", "student"],
         "zip_code": ["85711", "T8H1N", "02138"]},
        index=pd.Index([1, 2, 7], name="user"),
    )  # fmt: skip


def item_profiles() -> pd.DataFrame:
    return pd.DataFrame(
        {"title": ["Toy Story (1995)", "unknown", "Heat (1995)"],
         "release_date": ["01-Jan-1995", "", "01-Jan-1997"],
         "Action": [0, 0, 1], "Animation": [1, 0, 0], "Comedy": [1, 0, 0]},
        index=pd.Index([10, 20, 30], name="item"),
    )  # fmt: skip


def table(user_ids, item_ids) -> Interactions:
    interactions = Interactions(
        user_index=np.array([0, 1, 2]), item_index=np.array([0, 1, 2]),
        user_ids=np.array(user_ids), item_ids=np.array(item_ids),
    )  # fmt: skip
    interactions.extras["user_profiles"] = user_profiles()
    interactions.extras["item_profiles"] = item_profiles()
    return interactions


def test_user_features_encodings():
    values, columns = user_features(user_profiles())
    row = dict(zip(columns, values[0], strict=True))
    assert row["gender=M"] == 1.0
    assert row["gender=F"] == 0.0
    assert row["occupation=technician"] == 1.0
    assert row["zip_region=8"] == 1.0
    assert row["age_group=18+"] == 1.0
    assert dict(zip(columns, values[2], strict=True))["age_group=0+"] == 1.0  # 17 is under 18
    assert dict(zip(columns, values[1], strict=True))["zip_region=other"] == 1.0  # Canadian
    ages = values[:, columns.index("age")]
    assert ages.mean() == pytest.approx(0.0, abs=1e-6)
    assert ages.std() == pytest.approx(1.0, abs=1e-6)


def test_item_features_genres_and_year():
    values, columns = item_features(item_profiles())
    assert columns == ["genre=Action", "genre=Animation", "genre=Comedy", "year", "year_missing"]
    np.testing.assert_array_equal(values[:, :3], [[0, 1, 1], [0, 0, 0], [1, 0, 0]])
    # Years 1995 and 1997 standardize to -1 and +1; the missing one gets the mean (0).
    np.testing.assert_allclose(values[:, 3], [-1.0, 0.0, 1.0], atol=1e-6)
    np.testing.assert_array_equal(values[:, 4], [0.0, 1.0, 0.0])


def test_item_year_from_title_without_release_date():
    profiles = item_profiles().drop(columns="release_date")
    values, columns = item_features(profiles)
    assert values[1, columns.index("year_missing")] == 1.0
    assert values[0, columns.index("year")] == values[2, columns.index("year")]  # both 1995


def test_zip_region_first_digit():
    regions = zip_region(pd.Series(["85711", " 02138", "T8H1N", "", "9"]))
    assert regions.tolist() == ["8", "0", "other", "other", "9"]


def test_node_features_follow_contiguous_index():
    # Index 0 is raw user 7 and raw item 30: their profile rows must come first.
    features = build_node_features(table([7, 1, 2], [30, 10, 20]))
    in_raw_order = build_node_features(table([1, 2, 7], [10, 20, 30]))
    np.testing.assert_array_equal(features.user[0].numpy(), in_raw_order.user[2].numpy())
    np.testing.assert_array_equal(features.item[0].numpy(), in_raw_order.item[2].numpy())
    assert features.user.shape == (3, len(features.user_columns))
    assert features.item.shape == (3, len(features.item_columns))


def test_node_features_none_without_profiles():
    interactions = table([1, 2, 7], [10, 20, 30])
    interactions.extras.clear()
    assert build_node_features(interactions) is None


def test_node_features_missing_profile_row():
    interactions = table([1, 2, 99], [10, 20, 30])
    interactions.extras["folder"] = "/data/ml-100k"
    with pytest.raises(
        ValueError,
        match=r"the user profiles in /data/ml-100k have no row for 1 of 3 user ids of the "
        r"ratings \(first: 99\); add the missing profile rows",
    ):
        build_node_features(interactions)


@pytest.mark.parametrize("side", ["user", "item"])
def test_node_features_repeated_profile_row(side):
    # A repeated profile row once shifted every later user's features by one row.
    interactions = table([1, 2, 7], [10, 20, 30])
    profiles = interactions.extras[f"{side}_profiles"]
    interactions.extras[f"{side}_profiles"] = pd.concat([profiles, profiles.iloc[[0]]])
    first_id = profiles.index[0]
    with pytest.raises(
        ValueError,
        match=rf"the {side} profiles list {side} id {first_id} more than once \(1 such ids\); "
        rf"each {side} needs exactly one profile row",
    ):
        build_node_features(interactions)


def test_ml100k_features(data_dir):
    from recgnn.data.movielens import read_item_profiles, read_user_profiles

    users = read_user_profiles(data_dir / "ml-100k" / "u.user")
    items = read_item_profiles(data_dir / "ml-100k" / "u.item")
    user_values, user_columns = user_features(users)
    item_values, item_columns = item_features(items)
    # 7 age groups + age, 2 genders, 21 occupations, 10 zip areas + other.
    assert user_values.shape == (943, 7 + 1 + 2 + 21 + 11)
    # 19 genres, year and its missing flag; one movie (id 267) has no date.
    assert item_values.shape == (1682, 19 + 2)
    assert item_values[:, item_columns.index("year_missing")].sum() == 1
    assert np.isfinite(user_values).all()
    assert np.isfinite(item_values).all()
