"""Users' own logs: CSV, TSV and Parquet, string and sparse integer ids, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recgnn.data.csv_logs import load_interaction_log
from recgnn.data.datamodule import prepare_data
from tests.data.configs import compose_data, file_dataset, raw_pairs, write_text

STRING_LOG = "user,item,rating,timestamp\nu10,i1000,5,1\nu10,i7,4,2\nu3,i7,5,3\nu3,i42,3,4\n"
INTEGER_LOG = "user,item,rating,timestamp\n10,1000,5,1\n10,7,4,2\n3,7,5,3\n3,42,3,4\n"
ALL_IN_TRAIN = ["split=random", "split.ratios=[1.0,0.0,0.0]"]


def prepare_string_log(tmp_path):
    path = write_text(tmp_path / "log.csv", STRING_LOG)
    return prepare_data(file_dataset(path, "dataset.rating_column=rating", *ALL_IN_TRAIN))


def test_string_ids_map_back_exactly(tmp_path):
    data = prepare_string_log(tmp_path)
    train = data.split.train

    assert (data.num_users, data.num_items, len(train)) == (2, 3, 4)
    assert data.graph.num_edges == 4
    assert data.graph.normalized_adjacency.values().numel() == 8
    assert sorted(train.user_ids.tolist()) == ["u10", "u3"]
    assert sorted(train.item_ids.tolist()) == ["i1000", "i42", "i7"]
    assert all(type(raw) is str for raw in [*train.user_ids, *train.item_ids])
    assert raw_pairs(train) == {("u10", "i1000"), ("u10", "i7"), ("u3", "i7"), ("u3", "i42")}
    # Both i7 rows share one item index.
    i7 = train.item_ids.tolist().index("i7")
    assert (train.item_index == i7).sum() == 2


def test_string_ids_normalized_adjacency(tmp_path):
    data = prepare_string_log(tmp_path)
    users, items = data.split.train.user_ids.tolist(), data.split.train.item_ids.tolist()
    dense = data.graph.normalized_adjacency.to_dense()
    u10 = users.index("u10")
    item_node = {raw: data.num_users + items.index(raw) for raw in items}

    assert dense[u10, item_node["i1000"]].item() == pytest.approx(1 / math.sqrt(2 * 1))
    assert dense[u10, item_node["i7"]].item() == pytest.approx(1 / math.sqrt(2 * 2))


def test_string_ids_identical_on_second_run(tmp_path, monkeypatch):
    first = prepare_string_log(tmp_path)
    # A fresh cache folder forces a second parse instead of a cache hit.
    monkeypatch.setenv("RECGNN_CACHE_DIR", str(tmp_path / "other-cache"))
    second = prepare_string_log(tmp_path)

    assert first.split.train.user_ids.tolist() == second.split.train.user_ids.tolist()
    assert first.split.train.item_ids.tolist() == second.split.train.item_ids.tolist()
    assert np.array_equal(first.split.train.item_index, second.split.train.item_index)


def test_sparse_integer_ids_give_compact_tables(tmp_path):
    path = write_text(tmp_path / "log.csv", INTEGER_LOG)
    data = prepare_data(file_dataset(path, *ALL_IN_TRAIN))
    train = data.split.train

    assert (data.num_users, data.num_items) == (2, 3)
    assert train.user_ids.dtype == np.int64
    assert train.user_ids.tolist() == [3, 10]
    assert train.item_ids.tolist() == [7, 42, 1000]
    assert raw_pairs(train) == {(10, 1000), (10, 7), (3, 7), (3, 42)}


def test_leading_zero_ids_stay_strings(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item\n007,1\n7,1\n")
    interactions = load_interaction_log(path)

    assert interactions.num_users == 2
    assert sorted(interactions.user_ids.tolist()) == ["007", "7"]


def test_gzipped_tsv_with_custom_columns(tmp_path):
    text = "customer\tproduct\tstars\twhen\nalice\tp1\t4.5\t100\nbob\tp2\t2\t200\n"
    path = write_text(tmp_path / "shop.tsv.gz", text)
    interactions = load_interaction_log(
        path, user_column="customer", item_column="product",
        rating_column="stars", timestamp_column="when",
    )  # fmt: skip

    assert raw_pairs(interactions) == {("alice", "p1"), ("bob", "p2")}
    assert sorted(interactions.rating.tolist()) == [2.0, 4.5]
    assert sorted(interactions.timestamp.tolist()) == [100, 200]


def test_headerless_file_with_column_names(tmp_path):
    path = write_text(tmp_path / "log.txt", "1;10;5\n2;20;3\n")
    interactions = load_interaction_log(
        path, file_format="csv", sep=";", header=False, names=["user", "item", "rating"],
        rating_column="rating",
    )  # fmt: skip

    assert raw_pairs(interactions) == {(1, 10), (2, 20)}


def test_parquet_log_with_datetimes(tmp_path):
    path = tmp_path / "log.parquet"
    pd.DataFrame(
        {
            "user": ["a", "b"],
            "item": [5, 9],
            "time": pd.to_datetime(["1970-01-01 00:00:10", "1970-01-02 00:00:00"]),
        }
    ).to_parquet(path)
    interactions = load_interaction_log(path, timestamp_column="time")

    assert raw_pairs(interactions) == {("a", 5), ("b", 9)}
    assert sorted(interactions.timestamp.tolist()) == [10, 86400]


def test_iso_timestamp_strings(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item,t\na,x,1970-01-01T00:01:00\n")
    interactions = load_interaction_log(path, timestamp_column="t", timestamp_format="ISO8601")
    assert interactions.timestamp.tolist() == [60]


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("user,item,rating\na,x,5\nb,y,\n", {"rating_column": "rating"},
         r"log.csv, line 3: rating '' is not a valid finite number"),
        ("user,item,rating\na,x,5\nb,y,NaN\n", {"rating_column": "rating"},
         r"line 3: rating 'NaN' is not a valid finite number"),
        ("user,item,rating\na,x,five\n", {"rating_column": "rating"},
         r"line 2: rating 'five' is not a valid finite number"),
        ("user,item\na,x\nb,y,z\n", {}, r"log.csv, line 3: malformed line"),
        ("user,item\na,x\n,y\n", {}, r"line 3: the user id is missing"),
        ("user,product\na,x\n", {}, r"no column 'item' \(dataset.item_column\); its columns "
                                    r"are \['user', 'product'\]"),
        ("user,item,t\na,x,yesterday\n", {"timestamp_column": "t"},
         r"line 2: t 'yesterday' is not a valid integer.*dataset.timestamp_format"),
        ("", {}, r"log.csv is empty"),
        ("user,item\n", {}, r"log.csv contains no data lines"),
    ],
)  # fmt: skip
def test_bad_log_names_file_and_line(tmp_path, text, kwargs, message):
    path = write_text(tmp_path / "log.csv", text)
    with pytest.raises(ValueError, match=message):
        load_interaction_log(path, **kwargs)


def test_parquet_null_rating_names_row(tmp_path):
    path = tmp_path / "log.parquet"
    pd.DataFrame({"user": [1, 2], "item": [3, 4], "r": [4.0, None]}).to_parquet(path)
    with pytest.raises(ValueError, match=r"log.parquet, row 2: r NaN \(missing\) is not a valid"):
        load_interaction_log(path, rating_column="r")


def test_unknown_suffix_asks_for_format(tmp_path):
    path = write_text(tmp_path / "log.dat", "user,item\na,b\n")
    with pytest.raises(ValueError, match=r"set dataset.format=csv, tsv or parquet"):
        load_interaction_log(path)


def test_headerless_without_columns_rejected(tmp_path):
    path = write_text(tmp_path / "log.csv", "a,b\n")
    with pytest.raises(ValueError, match=r"dataset.header=false needs dataset.columns"):
        load_interaction_log(path, header=False)


def test_path_is_required():
    with pytest.raises(ValueError, match=r"dataset=file needs dataset.path, e.g. dataset.path="):
        prepare_data(compose_data("dataset=file"))


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"dataset.path='.*nowhere.csv' does not exist"):
        prepare_data(file_dataset(tmp_path / "nowhere.csv"))


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("user\titem\na\tx\n", "e.g. dataset.format=tsv"),
        ("user;item\na;x\n", "e.g. \"dataset.sep=';'\""),
        ("user|item\na|x\n", "e.g. \"dataset.sep='|'\""),
    ],
)  # fmt: skip
def test_other_delimiter_names_sep_fix(tmp_path, text, fix):
    path = write_text(tmp_path / "log.csv", text)
    with pytest.raises(ValueError) as raised:
        load_interaction_log(path)
    assert "is a single ','-separated field" in str(raised.value)
    assert str(raised.value).endswith(fix)


def test_missing_column_suggests_closest_name(tmp_path):
    path = write_text(tmp_path / "log.csv", "timestamp,user_id,item_id\n1,a,x\n")
    with pytest.raises(ValueError, match=r"e\.g\. dataset\.user_column=user_id$"):
        load_interaction_log(path)


def test_missing_optional_column_suggests_null(tmp_path):
    path = write_text(tmp_path / "log.csv", "user,item,rating\na,x,5\n")
    with pytest.raises(
        ValueError,
        match=r"no column 'score' \(dataset.rating_column\).*"
        r"\(dataset.rating_column=null\)$",
    ):
        load_interaction_log(path, rating_column="score")


def test_non_utf8_text_names_file_and_fix(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes("user,item\na,x\nJos\xe9,x\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"log.csv, line 3: the text is not valid UTF-8; save"):
        load_interaction_log(path)


@pytest.mark.parametrize("cut", [False, True])
def test_broken_gzip_names_file(tmp_path, cut):
    path = tmp_path / "log.csv.gz"
    if cut:
        whole = write_text(tmp_path / "whole.csv.gz", "user,item\n" + "a,x\n" * 1000)
        path.write_bytes(whole.read_bytes()[:-20])
    else:
        path.write_text("user,item\na,x\n")
    with pytest.raises(ValueError, match=r"log.csv.gz is not a complete gzip file"):
        load_interaction_log(path)


@pytest.mark.parametrize(
    ("name", "options"), [("log.parquet", {}), ("log.csv", {"file_format": "parquet"})]
)
def test_unreadable_parquet_names_file(tmp_path, name, options):
    path = write_text(tmp_path / name, "user,item\na,x\n")
    with pytest.raises(ValueError, match=rf"{name} is not a readable Parquet file"):
        load_interaction_log(path, **options)
