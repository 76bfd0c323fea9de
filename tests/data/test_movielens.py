"""MovieLens: ML-100K with GroupLens' folds and the rating threshold, ML-1M's format."""

from __future__ import annotations

import numpy as np
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.data.movielens import read_ml1m
from tests.data.configs import compose_data, raw_pairs, write_text

ML1M_RATINGS = "1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n"
ML1M_USERS = "1::F::1::10::48067\n2::M::56::16::70072\n"
# movies.dat is Latin-1, with "::" fields and "|"-joined genres.
ML1M_MOVIES = "10::Misérables, Les (1995)::Drama|Musical\n20::Toy Story (1995)::Animation\n"


def write_ml1m(root, ratings=ML1M_RATINGS):
    folder = root / "ml-1m"
    write_text(folder / "ratings.dat", ratings)
    write_text(folder / "users.dat", ML1M_USERS)
    folder.joinpath("movies.dat").write_bytes(ML1M_MOVIES.encode("latin-1"))
    return folder


def test_ml100k_fold1_is_grouplens_split(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "split=given", "split.fold=1",
                       "split.valid_ratio=0")  # fmt: skip
    data = prepare_data(cfg)
    stats = data.stats()

    assert (stats["num_train"], stats["num_valid"], stats["num_test"]) == (80_000, 0, 20_000)
    assert stats["test_rows_unseen_item"] == 32
    assert stats["test_rows_unseen_user"] == 0
    base = np.loadtxt(data_dir / "ml-100k" / "u1.test", dtype=np.int64)[:, :2]
    assert raw_pairs(data.split.test) == set(map(tuple, base.tolist()))


def test_ml100k_fold_a_holds_out_ten_per_user(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "split=given", "split.fold=a",
                       "split.valid_ratio=0")  # fmt: skip
    test = prepare_data(cfg).split.test

    assert np.bincount(test.user_index).tolist() == [10] * 943


def test_ml100k_invalid_fold_lists_valid_ones(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "split=given", "split.fold=7")
    with pytest.raises(ValueError, match=r"split.fold=7.*\['1', '2', '3', '4', '5', 'a', 'b'\]"):
        prepare_data(cfg)


def test_ml100k_threshold_keeps_positives_only(data_dir):
    cfg = compose_data(f"dataset.root={data_dir}", "dataset.min_rating=4")
    split = prepare_data(cfg).split
    parts = [split.train, split.valid, split.test]

    assert sum(len(part) for part in parts) == 55_375
    assert all((part.rating >= 4).all() for part in parts)


def test_ml1m_reads_ratings_and_profiles(tmp_path):
    interactions = read_ml1m(write_ml1m(tmp_path))

    assert raw_pairs(interactions) == {(1, 10), (1, 20), (2, 10)}
    assert sorted(interactions.rating.tolist()) == [3.0, 4.0, 5.0]
    assert sorted(interactions.timestamp.tolist()) == [978300760, 978301968, 978302109]
    movies = interactions.extras["item_profiles"]
    assert movies.loc[10, "title"] == "Misérables, Les (1995)"
    assert movies.loc[10, "Musical"] == 1
    assert movies.loc[20, "Drama"] == 0
    assert interactions.extras["user_profiles"].loc[2, "age"] == 56


def test_ml1m_trains_through_registry(tmp_path):
    write_ml1m(tmp_path)
    cfg = compose_data("dataset=ml-1m", f"dataset.root={tmp_path}", "split=leave_one_out")
    split = prepare_data(cfg).split

    # User 1's later rating (item 20) is the test row; user 2 has one row, kept for training.
    assert raw_pairs(split.test) == {(1, 20)}
    assert raw_pairs(split.train) == {(1, 10), (2, 10)}


def test_ml1m_malformed_line_is_reported(tmp_path):
    folder = write_ml1m(tmp_path, ratings=ML1M_RATINGS + "3::10::4\n")
    with pytest.raises(ValueError, match=r"ratings.dat, line 4: malformed line, expected 4 '::'"):
        read_ml1m(folder)
