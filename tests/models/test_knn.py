"""Cosine UserKNN and ItemKNN against hand-computed values and a brute-force loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recgnn.evaluation.evaluator import Evaluator
from recgnn.models.knn import ItemKNN, UserKNN, cosine_neighbours, interaction_matrix
from tests.models import tiny

# Users A, B, C = 0, 1, 2; items i1..i4 = 0..3.
# A {i1, i2, i3}, B {i1, i4}, C {i1, i2}.
ABC_PAIRS = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 3), (2, 0), (2, 1)]


def fitted(model_class, pairs, num_users, num_items, **options):
    model = model_class(num_users, num_items, **options)
    model.fit(tiny.graph(pairs, num_users, num_items))
    return model


def test_user_cosine_hand_computed():
    similarity = cosine_neighbours(interaction_matrix(tiny.graph(ABC_PAIRS, 3, 4))).toarray()
    assert similarity[0, 1] == pytest.approx(1 / (math.sqrt(3) * math.sqrt(2)))  # 0.40825
    assert similarity[0, 2] == pytest.approx(2 / (math.sqrt(3) * math.sqrt(2)))  # 0.81650
    assert similarity[1, 2] == pytest.approx(1 / 2)
    assert np.allclose(similarity, similarity.T)
    assert np.all(np.diag(similarity) == 0)  # never its own neighbour


def test_item_cosine_hand_computed():
    matrix = interaction_matrix(tiny.graph(ABC_PAIRS, 3, 4))
    similarity = cosine_neighbours(matrix.T.tocsr()).toarray()
    assert similarity[0, 1] == pytest.approx(2 / (math.sqrt(3) * math.sqrt(2)))  # 0.81650
    assert similarity[0, 2] == pytest.approx(1 / math.sqrt(3))  # 0.57735
    assert similarity[0, 3] == pytest.approx(1 / math.sqrt(3))
    assert similarity[1, 2] == pytest.approx(1 / math.sqrt(2))  # 0.70711
    assert similarity[1, 3] == 0.0
    assert similarity[2, 3] == 0.0


def test_userknn_one_neighbour():
    scores = tiny.all_scores(fitted(UserKNN, ABC_PAIRS, 3, 4, k=1), 3)
    # B's nearest user is C (0.5 > 0.40825), never B itself.
    assert scores[1, 1] == pytest.approx(0.5)
    assert scores[1, 2] == pytest.approx(0.0)


def test_userknn_two_neighbours():
    scores = tiny.all_scores(fitted(UserKNN, ABC_PAIRS, 3, 4, k=2), 3)
    assert scores[1, 1] == pytest.approx(0.5 + 1 / math.sqrt(6), abs=1e-6)  # 0.90825
    assert scores[1, 2] == pytest.approx(1 / math.sqrt(6), abs=1e-6)  # 0.40825


def test_itemknn_all_neighbours():
    scores = tiny.all_scores(fitted(ItemKNN, ABC_PAIRS, 3, 4, k=None), 3)
    assert scores[1, 1] == pytest.approx(0.81650, abs=1e-5)
    assert scores[1, 2] == pytest.approx(0.57735, abs=1e-5)
    assert scores[2, 2] == pytest.approx(1 / math.sqrt(3) + 1 / math.sqrt(2), abs=1e-6)  # 1.28446
    assert scores[2, 3] == pytest.approx(0.57735, abs=1e-5)


@pytest.mark.parametrize("model_class", [UserKNN, ItemKNN])
def test_knn_top_list_excludes_own_items(model_class):
    # B's test items are i2 and i3; its training items i1 and i4 must never be listed.
    model = fitted(model_class, ABC_PAIRS, 3, 4, k=None)
    train = tiny.interactions(ABC_PAIRS, 3, 4)
    test = tiny.interactions([(1, 1), (1, 2)], 3, 4)
    result = Evaluator(4, topk=[2], batch_size=2).evaluate(model, test, seen=[train])
    assert result.metrics["recall@2"] == 1.0
    assert result.metrics["ndcg@2"] == 1.0


def test_itemknn_unseen_user_and_item():
    # Train (u1, i1), (u1, i2), (u2, i2), (u2, i3); test (u1, i3), (u1, i4), (u3, i1).
    train_pairs = [(0, 0), (0, 1), (1, 1), (1, 2)]
    model = fitted(ItemKNN, train_pairs, 3, 4, k=None)
    scores = tiny.all_scores(model, 3)
    assert scores[0, 2] == pytest.approx(1 / math.sqrt(2), abs=1e-6)  # 0.70711
    assert scores[0, 3] == 0.0
    assert np.all(scores[2] == 0.0)  # u3 has no training row: zero scores, no error

    train = tiny.interactions(train_pairs, 3, 4)
    test = tiny.interactions([(0, 2), (0, 3), (2, 0)], 3, 4)
    result = Evaluator(4, topk=[1, 2]).evaluate(model, test, seen=[train])
    assert result.num_users_evaluated == 1
    assert result.num_users_no_train == 1
    assert result.metrics["recall@1"] == 0.5
    assert result.metrics["recall@2"] == 1.0
    assert result.metrics["ndcg@2"] == 1.0


def brute_force_similarity(vectors: np.ndarray, shrinkage: float) -> np.ndarray:
    """sim(a, b) = |a ∩ b| / (sqrt|a| sqrt|b| + shrinkage), one pair at a time."""
    num_rows = len(vectors)
    sets = [set(np.flatnonzero(row)) for row in vectors]
    similarity = np.zeros((num_rows, num_rows))
    for a in range(num_rows):
        for b in range(num_rows):
            denominator = math.sqrt(len(sets[a])) * math.sqrt(len(sets[b])) + shrinkage
            if a != b and denominator > 0:
                similarity[a, b] = len(sets[a] & sets[b]) / denominator
    return similarity


def brute_force_neighbours(similarity: np.ndarray, row: int, k: int | None) -> list[int]:
    """The k rows most similar to ``row`` with a positive similarity; lower index wins ties."""
    candidates = [b for b in range(len(similarity)) if b != row and similarity[row, b] > 0]
    candidates.sort(key=lambda b: (-round(similarity[row, b], 12), b))
    return candidates if k is None else candidates[:k]


def brute_force_userknn(matrix: np.ndarray, k: int | None, shrinkage: float) -> np.ndarray:
    similarity = brute_force_similarity(matrix, shrinkage)
    scores = np.zeros_like(matrix)
    for user in range(len(matrix)):
        for neighbour in brute_force_neighbours(similarity, user, k):
            scores[user] += similarity[user, neighbour] * matrix[neighbour]
    return scores


def brute_force_itemknn(matrix: np.ndarray, k: int | None, shrinkage: float) -> np.ndarray:
    similarity = brute_force_similarity(matrix.T, shrinkage)
    scores = np.zeros_like(matrix)
    for item in range(matrix.shape[1]):
        for neighbour in brute_force_neighbours(similarity, item, k):
            scores[:, item] += similarity[item, neighbour] * matrix[:, neighbour]
    return scores


@pytest.mark.parametrize("k", [None, 1, 3, 8])
@pytest.mark.parametrize("shrinkage", [0.0, 2.5])
@pytest.mark.parametrize(
    ("model_class", "brute_force"),
    [(UserKNN, brute_force_userknn), (ItemKNN, brute_force_itemknn)],
)
def test_knn_equals_brute_force(model_class, brute_force, k, shrinkage):
    pairs = tiny.random_pairs(num_users=23, num_items=17, density=0.25, seed=k or 0)
    expected = brute_force(tiny.dense_matrix(pairs, 23, 17), k, shrinkage)
    model = fitted(model_class, pairs, 23, 17, k=k, shrinkage=shrinkage)
    np.testing.assert_allclose(tiny.all_scores(model, 23), expected, rtol=1e-6, atol=1e-6)


def test_knn_similarity_blocks_match_one_block(monkeypatch):
    pairs = tiny.random_pairs(num_users=40, num_items=30, density=0.2, seed=5)
    matrix = interaction_matrix(tiny.graph(pairs, 40, 30))
    whole = cosine_neighbours(matrix, k=4).toarray()
    monkeypatch.setattr("recgnn.models.knn.SIMILARITY_BLOCK_VALUES", 3 * 40)
    np.testing.assert_array_equal(cosine_neighbours(matrix, k=4).toarray(), whole)


def test_knn_ties_keep_lower_index():
    # Users 1, 2 and 3 are equally similar to user 0; k=2 keeps users 1 and 2.
    pairs = [(0, 0), (0, 1), (1, 0), (2, 0), (3, 0)]
    neighbours = cosine_neighbours(interaction_matrix(tiny.graph(pairs, 4, 2)), k=2)
    assert sorted(neighbours[0].indices.tolist()) == [1, 2]


@pytest.mark.parametrize("model_class", [UserKNN, ItemKNN])
@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_knn_rejects_bad_k(model_class, k):
    with pytest.raises(ValueError, match=r"model\.k must be a positive integer or null"):
        model_class(3, 4, k=k)


def test_knn_rejects_negative_shrinkage():
    with pytest.raises(ValueError, match=r"model\.shrinkage must be a non-negative number"):
        ItemKNN(3, 4, shrinkage=-1.0)
