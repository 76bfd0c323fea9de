"""Cosine UserKNN and ItemKNN on a Gowalla subset against an independent implementation.

The reference (``benchmarks/cosine_reference.py``) reads the LightGCN-format
files itself and ranks neighbours by exact fractions. ``benchmarks.knn_reference``
runs recgnn's side through the composed config, ``prepare_data`` and the
``Evaluator``. The subset keeps the first 2,000 users' lines of Gowalla's
``train.txt`` and ``test.txt`` and, on them, the items with id below 6,000.
recgnn's dense similarity blocks cost O(num_items²), so the item bound keeps
ItemKNN's fit to a few seconds: 45,886 training rows of 1,678 users remain.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from benchmarks import cosine_reference as reference
from benchmarks import knn_reference
from recgnn.models.knn import UserKNN
from tests.models import tiny

SUBSET_USERS = 2000
SUBSET_ITEMS = 6000
NUM_SAMPLED = 200
DEFAULT_K = {"userknn": 50, "itemknn": 100}


def write_subset(source: Path, target: Path) -> None:
    """Copy the first users' lines of a LightGCN-format file, keeping only low item ids."""
    lines = source.read_text(encoding="utf-8").splitlines()[:SUBSET_USERS]
    filtered_lines = []
    for line in lines:
        user, *items = line.split()
        filtered_lines.append(
            " ".join([user, *(item for item in items if int(item) < SUBSET_ITEMS)])
        )
    target.write_text("\n".join(filtered_lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def gowalla_subset(tmp_path_factory, data_dir) -> Path:
    root = tmp_path_factory.mktemp("gowalla-subset")
    (root / "gowalla").mkdir()
    for name in ("train.txt", "test.txt"):
        write_subset(data_dir / "gowalla" / name, root / "gowalla" / name)
    return root


@pytest.mark.parametrize(("model", "k"), knn_reference.SETTINGS)
def test_knn_matches_reference(model, k, gowalla_subset, one_thread):
    result = knn_reference.compare(model, k, gowalla_subset, NUM_SAMPLED, seed=2020)

    assert result.k == (DEFAULT_K[model] if k == "default" else k)
    assert result.num_users == NUM_SAMPLED
    assert result.num_scores == NUM_SAMPLED * SUBSET_ITEMS
    assert result.num_score_mismatches == 0
    # float32 rounding of float64 scores: at most 2**-24 relative.
    assert result.max_rel_difference <= 1e-7
    assert result.num_determined >= 0.8 * NUM_SAMPLED
    assert result.max_metric_difference <= knn_reference.METRIC_ATOL
    assert result.recgnn_means["recall"] > 0.01
    if k is not None:
        assert result.num_cutoff_ties > 0  # the tie rule decides some neighbour lists


def test_comparison_flags_wrong_k(gowalla_subset, one_thread, monkeypatch):
    def user_knn_k49(model_cfg, graph, features):
        return UserKNN(graph.num_users, graph.num_items, k=49)

    monkeypatch.setattr(knn_reference, "build_model", user_knn_k49)
    result = knn_reference.compare("userknn", 50, gowalla_subset, NUM_SAMPLED, seed=2020)

    assert result.num_score_mismatches > 0


# Users A, B, C = 0, 1, 2 and items i1..i4 = 0..3: A {i1, i2, i3}, B {i1, i4}, C {i1, i2}.
ABC = reference.binary_matrix(np.array([0, 0, 0, 1, 1, 2, 2]), np.array([0, 1, 2, 0, 3, 0, 1]),
                              (3, 4))  # fmt: skip


def test_reference_user_cosine():
    similarity = reference.exact_neighbours(ABC, np.arange(3), None).toarray()

    assert similarity[0, 1] == pytest.approx(1 / math.sqrt(6))  # 0.40825
    assert similarity[0, 2] == pytest.approx(2 / math.sqrt(6))  # 0.81650
    assert similarity[1, 2] == pytest.approx(0.5)
    assert np.all(np.diag(similarity) == 0)


def test_reference_userknn_scores():
    one_neighbour = reference.userknn_scores(ABC, np.array([1]), k=1)[0]
    two_neighbours = reference.userknn_scores(ABC, np.array([1]), k=2)[0]

    assert one_neighbour[1] == pytest.approx(0.5)  # B's nearest user is C
    assert one_neighbour[2] == 0.0
    assert two_neighbours[1] == pytest.approx(0.5 + 1 / math.sqrt(6))  # 0.90825
    assert two_neighbours[2] == pytest.approx(1 / math.sqrt(6))  # 0.40825


def test_reference_itemknn_scores():
    scores = reference.itemknn_scores(ABC, np.array([1, 2]), k=None)

    assert scores[0, 1] == pytest.approx(2 / math.sqrt(6))  # B: sim(i2, i1) = 0.81650
    assert scores[0, 2] == pytest.approx(1 / math.sqrt(3))  # B: sim(i3, i1) = 0.57735
    assert scores[1, 2] == pytest.approx(1 / math.sqrt(3) + 1 / math.sqrt(2))  # C: 1.28446
    assert scores[1, 3] == pytest.approx(1 / math.sqrt(3))  # C: sim(i4, i1) = 0.57735


# Row 0 = {i0, i1, i2}; row 1 = {i0 .. i8} (sim 3/√27); row 2 = {i0} (sim 1/√3).
# The two cosines are equal reals, but in float64 3/√27 < 1/√3 by one ulp.
TIE_PAIRS = [(0, 0), (0, 1), (0, 2), *((1, item) for item in range(9)), (2, 0)]


def test_reference_tie_goes_to_lower_index():
    users, items = (np.array(column) for column in zip(*TIE_PAIRS, strict=True))
    matrix = reference.binary_matrix(users, items, (3, 9))

    nearest = reference.exact_neighbours(matrix, np.array([0]), k=1).toarray()[0]
    two_nearest = reference.exact_neighbours(matrix, np.array([0]), k=2).toarray()[0]

    assert 3 / math.sqrt(27) < 1 / math.sqrt(3)  # float ranking would pick row 2
    assert np.flatnonzero(nearest).tolist() == [1]
    assert np.flatnonzero(two_nearest).tolist() == [1, 2]
    assert reference.count_cutoff_ties(matrix, np.array([0, 1]), k=1) == (2, 1)


def test_userknn_breaks_float_tie_like_reference():
    model = UserKNN(3, 9, k=1)
    model.fit(tiny.graph(TIE_PAIRS, 3, 9))
    users, items = (np.array(column) for column in zip(*TIE_PAIRS, strict=True))
    expected = reference.userknn_scores(reference.binary_matrix(users, items, (3, 9)),
                                        np.array([0]), k=1)  # fmt: skip

    scores = model.score_users(torch.tensor([0])).numpy()

    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    assert scores[0, 3] > 0  # an item of row 1, the lower-index neighbour


def test_reference_metrics_and_ties():
    # Items 0..4; item 0 is seen. Targets {1, 4}. Scores 4 > 3 > 3 > 1 after masking.
    scores = np.array([[9.0, 4.0, 3.0, 3.0, 1.0]])
    tied_target = np.array([[9.0, 4.0, 3.0, 1.0, 3.0]])

    clear = reference.ranking_metrics(scores, [np.array([0])], [np.array([1, 4])], 2, 1e-6)
    tied = reference.ranking_metrics(tied_target, [np.array([0])], [np.array([1, 4])], 2, 1e-6)

    assert clear["recall"][0] == pytest.approx(0.5)
    assert clear["ndcg"][0] == pytest.approx(1 / (1 + 1 / math.log2(3)))  # 0.61315
    assert clear["determined"][0]  # the 3.0 tie contains two non-targets
    assert not tied["determined"][0]  # the 3.0 tie at rank 2 contains target 4 and item 2


def test_reference_reads_lightgcn_lines(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("0 5 7\n1\n2 5\n", encoding="utf-8")

    users, items = reference.read_pairs(path)
    matrix = reference.binary_matrix(users, items, (3, 8))

    assert users.tolist() == [0, 0, 2]
    assert items.tolist() == [5, 7, 5]
    assert sp.isspmatrix_csr(matrix)
    assert matrix.sum() == 3.0
