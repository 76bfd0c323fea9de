"""String and non-contiguous raw ids, in every storage layout a user's log can have.

The log: u10 rated i1000 and i7, u3 rated i7 and i42, every row in train.
Whatever the file format, id type or row order: 2 users, 3 items, 4 edges, 8
stored adjacency entries, raw ids mapped back exactly (strings stay strings),
embedding tables sized by the catalogue, Â(u10, i1000) = 1/√(2·1) and
Â(u10, i7) = 1/√(2·2).
"""

from __future__ import annotations

import gzip
import math

import numpy as np
import pandas as pd
import pytest

from recgnn.data.datamodule import prepare_data
from recgnn.models.registry import build_model
from tests.cases.builders import compose_train
from tests.data.configs import file_dataset, raw_pairs

STRING_ROWS = [
    ("u10", "i1000", 5, 1), ("u10", "i7", 4, 2), ("u3", "i7", 5, 3), ("u3", "i42", 3, 4),
]  # fmt: skip
INTEGER_ROWS = [(10, 1000, 5, 1), (10, 7, 4, 2), (3, 7, 5, 3), (3, 42, 3, 4)]
COLUMNS = ["user", "item", "rating", "timestamp"]
ALL_IN_TRAIN = ["split=random", "split.ratios=[1.0,0.0,0.0]", "dataset.rating_column=rating"]


def as_text(rows, sep: str) -> str:
    lines = [sep.join(COLUMNS), *(sep.join(str(value) for value in row) for row in rows)]
    return "\n".join(lines) + "\n"


def write_csv(folder, rows):
    path = folder / "log.csv"
    path.write_text(as_text(rows, ","))
    return path, []


def write_gzipped_tsv(folder, rows):
    path = folder / "log.tsv.gz"
    with gzip.open(path, "wt") as out:
        out.write(as_text(rows, "\t"))
    return path, []


def write_headerless_semicolons(folder, rows):
    path = folder / "log.txt"
    path.write_text("\n".join(";".join(str(v) for v in row) for row in rows) + "\n")
    return path, ["dataset.format=csv", "dataset.sep=';'", "dataset.header=false",
                  "dataset.columns=[user,item,rating,timestamp]"]  # fmt: skip


def write_parquet(folder, rows):
    # Parquet keeps the column types: object strings or int64.
    path = folder / "log.parquet"
    pd.DataFrame(rows, columns=COLUMNS).to_parquet(path)
    return path, []


LAYOUTS = [write_csv, write_gzipped_tsv, write_headerless_semicolons, write_parquet]


def load(tmp_path, layout, rows, *overrides):
    path, layout_overrides = layout(tmp_path, rows)
    return prepare_data(file_dataset(path, *ALL_IN_TRAIN, *layout_overrides, *overrides))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rows", [STRING_ROWS, INTEGER_ROWS], ids=["string", "integer"])
def test_raw_ids_map_back_in_every_layout(tmp_path, layout, rows):
    data = load(tmp_path, layout, rows)
    train = data.split.train
    raw_type = type(rows[0][0])

    assert (data.num_users, data.num_items, len(train)) == (2, 3, 4)
    assert data.graph.num_edges == 4
    assert data.graph.normalized_adjacency.values().numel() == 8
    assert raw_pairs(train) == {(user, item) for user, item, _, _ in rows}
    assert all(isinstance(raw, raw_type) for raw in [*train.user_ids.tolist(),
                                                     *train.item_ids.tolist()])  # fmt: skip
    # The two rows of the item rated twice share one index.
    twice = rows[1][1]
    assert (train.item_index == train.item_ids.tolist().index(twice)).sum() == 2


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rows", [STRING_ROWS, INTEGER_ROWS], ids=["string", "integer"])
def test_normalized_adjacency_follows_raw_ids(tmp_path, layout, rows):
    data = load(tmp_path, layout, rows)
    users, items = data.split.train.user_ids.tolist(), data.split.train.item_ids.tolist()
    dense = data.graph.normalized_adjacency.to_dense()
    user = users.index(rows[0][0])

    def entry(raw_item):
        return dense[user, data.num_users + items.index(raw_item)].item()

    assert entry(rows[0][1]) == pytest.approx(1 / math.sqrt(2 * 1))
    assert entry(rows[1][1]) == pytest.approx(1 / math.sqrt(2 * 2))
    assert np.allclose(dense.numpy(), dense.numpy().T)


@pytest.mark.parametrize("rows", [STRING_ROWS, INTEGER_ROWS], ids=["string", "integer"])
def test_embedding_tables_sized_by_catalogue(tmp_path, rows):
    data = load(tmp_path, write_csv, rows)
    mf = build_model(compose_train("model=mf", "model.embedding_dim=4").model, data.graph)
    lightgcn = build_model(compose_train("model=lightgcn", "model.embedding_dim=4").model,
                           data.graph)  # fmt: skip

    assert mf.user_embedding.num_embeddings == 2
    assert mf.item_embedding.num_embeddings == 3
    # LightGCN keeps users and items in one table of num_users + num_items rows.
    assert sum(p.shape[0] for p in lightgcn.parameters()) == 2 + 3


@pytest.mark.parametrize("rows", [STRING_ROWS, INTEGER_ROWS], ids=["string", "integer"])
def test_id_maps_stable_across_runs(tmp_path, monkeypatch, rows):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = load(tmp_path / "a", write_csv, rows)
    cached = load(tmp_path / "a", write_csv, rows)  # same file and settings: a cache hit
    monkeypatch.setenv("RECGNN_CACHE_DIR", str(tmp_path / "other-cache"))
    shuffled = load(tmp_path / "b", write_csv, rows[::-1])

    for other in (cached, shuffled):
        for name in ("user_ids", "item_ids", "user_index", "item_index"):
            left, right = getattr(first.split.train, name), getattr(other.split.train, name)
            assert left.tolist() == right.tolist(), name
            assert left.dtype == right.dtype, name
