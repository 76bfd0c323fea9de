"""Paired Wilcoxon signed-rank test over users and Holm's correction."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recgnn.benchmark.significance import compare_to_baseline, holm_adjust, paired_wilcoxon


def series(values: dict[int, float]) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_exact_p_value_five_users():
    # Five users, every one better by a different amount: W+ = 15 is the most extreme of
    # the 2^5 equally likely sign patterns, so the two-sided exact p is 2 / 32.
    model = series({0: 0.2, 1: 0.4, 2: 0.6, 3: 0.8, 4: 1.0})
    baseline = series({0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4, 4: 0.5})

    test = paired_wilcoxon(model, baseline)

    assert test.num_users == 5
    assert test.num_nonzero == 5
    assert test.p_value == pytest.approx(2 / 32)
    assert test.mean_difference == pytest.approx((0.1 + 0.2 + 0.3 + 0.4 + 0.5) / 5)


def test_pairs_on_common_users_only():
    model = series({0: 0.5, 1: 0.5, 7: 1.0})
    baseline = series({0: 0.5, 1: 0.5, 9: 0.0})

    test = paired_wilcoxon(model, baseline)

    assert test.num_users == 2


def test_identical_rankings_are_not_different():
    values = series({0: 0.3, 1: 0.7, 2: 0.0})

    test = paired_wilcoxon(values, values.copy())

    assert test.p_value == 1.0
    assert test.num_nonzero == 0
    assert math.isnan(test.statistic)


def test_no_common_users_raises():
    with pytest.raises(ValueError, match="share no evaluated user"):
        paired_wilcoxon(series({0: 1.0}), series({1: 1.0}))


def test_holm_by_hand():
    # Sorted: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04, raised to the running 0.06.
    assert holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    # 0.5 * 2 = 1.0; 0.9 * 1 = 0.9 stays at the running maximum 1.0.
    assert holm_adjust([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_compare_marks_significance_at_level():
    baseline = series({u: 0.1 * (u % 3) for u in range(40)})
    better = baseline + 0.05 + 0.001 * pd.Series(range(40), dtype=float)
    same = baseline.copy()

    table = compare_to_baseline({"base": baseline, "better": better, "same": same}, "base", 0.05)

    rows = table.set_index("model")
    assert list(rows.index) == ["better", "same"]
    assert bool(rows.loc["better", "significant"])
    assert not bool(rows.loc["same", "significant"])
    assert rows.loc["better", "p_holm"] == pytest.approx(
        min(1.0, 2 * rows.loc["better", "p_value"])
    )


def test_bad_level_raises():
    values = series({0: 1.0})
    with pytest.raises(ValueError, match=r"significance.level=1.5 must lie in \(0, 1\)"):
        compare_to_baseline({"a": values, "b": values}, "a", 1.5)
