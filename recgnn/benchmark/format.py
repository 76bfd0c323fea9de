"""Number formatting and Markdown tables for the report."""

from __future__ import annotations

import math

# Columns that count something; their means over seeds are shown without decimals when whole.
COUNT_COLUMNS = ("best_epoch", "epochs_run", "num_parameters")


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """Return a GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def format_mean_std(mean: float, std: float, digits: int = 4) -> str:
    """Format ``mean ± std``; one seed has no standard deviation, so only the mean is shown."""
    if _missing(mean):
        return "n/a"
    if _missing(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def format_number(value: float, column: str) -> str:
    """Format a cost column: seconds to 3 significant digits, MiB and counts as whole numbers."""
    if _missing(value):
        return "n/a"
    if column in COUNT_COLUMNS:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if column.endswith("_mib"):
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
