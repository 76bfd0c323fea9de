"""Markdown output of the speed benchmark."""

from __future__ import annotations


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """Print a Markdown table under a level-3 heading."""
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    print("\n".join(lines) + "\n", flush=True)
