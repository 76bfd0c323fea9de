"""Strict parsing of delimited interaction files with line-numbered errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

UNIT_SEPARATOR = "\x1f"


def read_delimited(
    path: Path,
    columns: list[str],
    sep: str,
    numeric: dict[str, str],
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read a header-less delimited file whose every line has exactly ``columns``.

    Args:
        path: File to read.
        columns: Column names, in file order.
        sep: Field delimiter (a multi-character one such as ``::`` is allowed).
        numeric: Column name to ``"int"`` or ``"float"`` for columns that must parse.

    Raises:
        ValueError: Naming the file, the 1-based line number and the bad value.
    """
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty; expected lines of {sep!r}-separated {columns}")
    source, parser_sep = _single_char_source(path, sep, encoding)
    # One spare column catches lines with one field too many (pandas itself
    # rejects lines with more), and keeping blank lines makes the row index
    # equal to the line number minus one.
    width = len(columns)
    try:
        frame = pd.read_csv(
            source,
            sep=parser_sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            engine="c",
            encoding=encoding if isinstance(source, Path) else None,
            names=list(range(width + 1)),
            index_col=False,
            skip_blank_lines=False,
            quoting=3,  # csv.QUOTE_NONE: these formats never quote fields.
        )
    except pd.errors.ParserError as error:
        raise ValueError(
            f"{path}, line {parser_error_line(error)}: malformed line, expected {width} "
            f"{sep!r}-separated fields ({', '.join(columns)}); fix or remove it "
            f"(pandas: {str(error).strip()})"
        ) from None
    frame = frame.fillna("")
    blank = (frame == "").all(axis=1)
    frame = frame[~blank]
    if frame.empty:
        raise ValueError(f"{path} contains no data lines; expected {sep!r}-separated {columns}")
    malformed = (frame[width] != "") | (frame[width - 1] == "")
    if malformed.any():
        line = int(frame.index[malformed.to_numpy().argmax()]) + 1
        raise ValueError(
            f"{path}, line {line}: malformed line, expected {width} {sep!r}-separated "
            f"fields ({', '.join(columns)}); {int(malformed.sum())} such lines, "
            "fix or remove them"
        )
    frame = frame.drop(columns=width)
    frame.columns = columns
    for name, kind in numeric.items():
        frame[name] = to_number(frame[name], kind, path, name)
    return frame.reset_index(drop=True)


def parser_error_line(error: pd.errors.ParserError) -> str:
    """Return the line number that a pandas tokenizer error names, or ``"?"``."""
    match = re.search(r"line (\d+)", str(error))
    return match.group(1) if match else "?"


def _single_char_source(path: Path, sep: str, encoding: str) -> tuple[Path | io.StringIO, str]:
    """Return a source and a one-character delimiter that pandas' fast C parser accepts.

    pandas hands a multi-character delimiter such as ML-1M's ``::`` to its
    Python engine, which is about ten times slower, so the delimiter is
    swapped for the ASCII unit separator when the file does not contain it.
    """
    if len(sep) == 1:
        return path, sep
    text = path.read_text(encoding=encoding)
    if UNIT_SEPARATOR in text:
        raise ValueError(
            f"{path} contains the control character U+001F, which the {sep!r}-separated "
            "reader uses internally; remove it from the file"
        )
    return io.StringIO(text.replace(sep, UNIT_SEPARATOR)), UNIT_SEPARATOR


def to_number(
    values: pd.Series, kind: str, path: Path, column: str, unit: str = "line"
) -> np.ndarray:
    """Convert a column to ``int64`` or ``float64``, naming the first bad line.

    ``values.index`` must hold each value's line (or row, per ``unit``) minus one.
    """
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna().to_numpy() | ~np.isfinite(parsed.to_numpy(dtype=float, na_value=np.nan))
    if kind == "int":
        bad |= ~bad & (parsed.fillna(0) % 1 != 0).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = show_value(values.iloc[row])
        raise ValueError(
            f"{path}, {unit} {values.index[row] + 1}: {column} {value} is not "
            f"a valid {'integer' if kind == 'int' else 'finite number'} "
            f"({int(bad.sum())} such {unit}s); fix or remove these {unit}s"
        )
    return parsed.to_numpy(dtype=np.int64 if kind == "int" else np.float64)


def show_value(value: object) -> str:
    """Return a value as it should read in an error message: strings quoted, NaN as NaN."""
    if isinstance(value, str):
        return repr(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "NaN (missing)"
    return str(value)
