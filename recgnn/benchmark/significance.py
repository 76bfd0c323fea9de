"""Paired significance tests over users against the baseline model.

Each model's per-user test metric (averaged over its seeds) is paired with the
baseline's on the same users and compared by the two-sided Wilcoxon
signed-rank test (Wilcoxon, 1945; ``scipy.stats.wilcoxon``). Users with equal
values are dropped, as in Wilcoxon's original test. The p-values of the models
of one data set are adjusted by Holm's step-down method (Holm, 1979), which
keeps the family-wise error rate at the significance level.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

log = logging.getLogger(__name__)

TEST_NAME = "two-sided Wilcoxon signed-rank test over users"


@dataclass
class PairedTest:
    """Outcome of one model-versus-baseline comparison.

    Attributes:
        num_users: Users evaluated by both models.
        num_nonzero: Users whose metric differs between the two models.
        mean_difference: Mean of model minus baseline over the paired users.
        p_value: Two-sided p-value before correction (1.0 when no user differs).
        statistic: The signed-rank statistic, NaN when no user differs.
    """

    num_users: int
    num_nonzero: int
    mean_difference: float
    p_value: float
    statistic: float


def paired_wilcoxon(model: pd.Series, baseline: pd.Series) -> PairedTest:
    """Compare two per-user metric series indexed by ``user_index``, on their common users."""
    paired = pd.concat([model, baseline], axis=1, join="inner").dropna()
    if paired.empty:
        raise ValueError(
            "the model and the baseline share no evaluated user, so they cannot be paired; "
            "run both on the same data set and split"
        )
    differences = (paired.iloc[:, 0] - paired.iloc[:, 1]).to_numpy()
    num_nonzero = int(np.count_nonzero(differences))
    if num_nonzero == 0:
        # scipy warns and divides by zero here; identical rankings are simply not different.
        return PairedTest(len(differences), 0, 0.0, 1.0, float("nan"))
    result = wilcoxon(differences, zero_method="wilcox", alternative="two-sided")
    return PairedTest(
        num_users=len(differences),
        num_nonzero=num_nonzero,
        mean_difference=float(differences.mean()),
        p_value=float(result.pvalue),
        statistic=float(result.statistic),
    )


def holm_adjust(p_values: list[float]) -> list[float]:
    """Return Holm's step-down adjusted p-values, in the input order.

    scipy has no Holm correction (only Benjamini-Hochberg), so it is written
    here: sorted ascending, p_(i) becomes max over j <= i of (m - j + 1) p_(j),
    capped at 1.
    """
    count = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(count)
    running_max = 0.0
    for rank, index in enumerate(order):
        running_max = max(running_max, (count - rank) * p_values[index])
        adjusted[index] = min(1.0, running_max)
    return adjusted.tolist()


def compare_to_baseline(
    per_user: dict[str, pd.Series], baseline: str, level: float
) -> pd.DataFrame:
    """Test every model of one data set against ``baseline``.

    Args:
        per_user: Model name -> per-user metric (mean over seeds), baseline included.
        baseline: Name of the reference model in ``per_user``.
        level: Significance level for Holm-adjusted p-values, e.g. ``0.05``.

    Returns:
        One row per model other than the baseline, with the columns of
        :class:`PairedTest`, ``p_holm`` and ``significant``.
    """
    if not 0 < level < 1:
        raise ValueError(f"significance.level={level} must lie in (0, 1), e.g. 0.05")
    rows = []
    for model, values in per_user.items():
        if model != baseline:
            rows.append({"model": model, **vars(paired_wilcoxon(values, per_user[baseline]))})
    table = pd.DataFrame(rows, columns=["model", *PairedTest.__dataclass_fields__])
    table["p_holm"] = holm_adjust(table["p_value"].tolist()) if rows else []
    table["significant"] = table["p_holm"] < level
    return table
