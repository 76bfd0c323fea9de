"""Users' own interaction logs: CSV, TSV or Parquet files with configurable columns.

Text files may be gzip-compressed (``.csv.gz``). Ids may be strings or sparse
integers: they are kept as the raw ids of :class:`Interactions`, so every
output maps back to them. A column of plain decimal integers (no leading
zeros) becomes ``int64``; any other id column stays a column of strings.
"""

from __future__ import annotations

import difflib
import gzip
import logging
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from recgnn.data.interactions import Interactions
from recgnn.data.parsing import parser_error_line, to_number

log = logging.getLogger(__name__)

LOG_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip
DEFAULT_SEPARATORS = {"csv": ",", "tsv": "\t"}
# Plain decimal integers only: "007" stays a string so it never merges with "7".
CANONICAL_INT = re.compile(r"^(0|-?[1-9][0-9]*)$")


def load_interaction_log(
    path: str | os.PathLike,
    user_column: str = "user",
    item_column: str = "item",
    rating_column: str | None = None,
    timestamp_column: str | None = None,
    file_format: str = "auto",
    sep: str | None = None,
    header: bool = True,
    names: list[str] | None = None,
    timestamp_format: str | None = None,
) -> Interactions:
    """Read one interaction log into :class:`Interactions`.

    Args:
        path: The file (``.csv``, ``.tsv``, ``.parquet``, optionally ``.gz``).
        user_column, item_column: Columns holding the user and item ids.
        rating_column, timestamp_column: Optional rating and timestamp columns.
        file_format: ``auto`` (from the suffix), ``csv``, ``tsv`` or ``parquet``.
        sep: Field delimiter of a text file; ``None`` takes ``,`` or tab from the format.
        header: Whether the first line of a text file names the columns.
        names: Column names in file order for a file without a header line.
        timestamp_format: ``None`` for integer timestamps, else a
            ``pandas.to_datetime`` format (``ISO8601``, ``%Y-%m-%d %H:%M:%S``) whose
            values become Unix seconds.

    Raises:
        ValueError: For a missing column or a bad value, naming the file, the
            line (text) or row (Parquet) and the value.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"interaction log {path} not found; check dataset.path")
    file_format = resolve_log_format(path, file_format)
    wanted = {
        "dataset.user_column": user_column,
        "dataset.item_column": item_column,
        "dataset.rating_column": rating_column,
        "dataset.timestamp_column": timestamp_column,
    }
    if file_format == "parquet":
        frame, unit = _read_parquet(path, wanted), "row"
    else:
        sep = DEFAULT_SEPARATORS[file_format] if sep is None else sep
        frame, unit = _read_text(path, sep, header, names, wanted), "line"

    interactions = Interactions.from_raw(
        parse_ids(frame[user_column], path, user_column, unit),
        parse_ids(frame[item_column], path, item_column, unit),
        rating=None
        if rating_column is None
        else to_number(frame[rating_column], "float", path, rating_column, unit),
        timestamp=None
        if timestamp_column is None
        else parse_timestamps(frame[timestamp_column], timestamp_format, path, unit),
    )
    interactions.extras["path"] = str(path)
    log.info("read %d interactions from %s", len(interactions), path)
    return interactions


def resolve_log_format(path: Path, file_format: str) -> str:
    """Return ``csv``, ``tsv`` or ``parquet`` for ``dataset.format`` (``auto``: the suffix)."""
    if file_format != "auto":
        if file_format not in ("csv", "tsv", "parquet"):
            raise ValueError(
                f"invalid dataset.format={file_format!r}; expected auto, csv, tsv or "
                "parquet, e.g. dataset.format=tsv"
            )
        return file_format
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in LOG_FORMATS:
        return LOG_FORMATS[suffixes[-1]]
    raise ValueError(
        f"cannot tell the format of {path} from its suffix; name it .csv, .tsv or "
        ".parquet (optionally .gz), or set dataset.format=csv, tsv or parquet"
    )


def _read_text(
    path: Path, sep: str, header: bool, names: list[str] | None, wanted: dict
) -> pd.DataFrame:
    if not header and not names:
        raise ValueError(
            f"{path}: dataset.header=false needs dataset.columns, the column names in "
            "file order, e.g. dataset.columns=[user,item,rating,timestamp]"
        )
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if header else None,
            names=None if header else list(names),
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            engine="c" if len(sep) == 1 else "python",
        )
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path} is empty; expected a log with columns {_named(wanted)}"
        ) from None
    except pd.errors.ParserError as error:
        raise ValueError(
            f"{path}, line {parser_error_line(error)}: malformed line, it has more "
            f"{sep!r}-separated fields than the header; fix or remove it"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(
            f"{path}, line {_first_non_utf8_line(path)}: the text is not valid UTF-8; save "
            "the file as UTF-8, e.g. with iconv -f latin1 -t utf-8"
        ) from None
    except (OSError, EOFError, zlib.error) as error:
        # gzip raises these for a file that is not gzip data or is cut short.
        if not _is_gzip_name(path):
            raise
        raise ValueError(
            f"{path} is not a complete gzip file ({error}); compress it again with gzip, "
            "or drop the .gz suffix if the text is not compressed"
        ) from None
    _check_separator(frame, path, sep, wanted)
    _check_columns(frame, path, wanted)
    # NOTE: a quoted field that spans lines shifts the reported line numbers.
    frame.index = frame.index + (1 if header else 0)
    return _drop_blank_rows(frame, path, wanted)


def _read_parquet(path: Path, wanted: dict) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        columns = pq.read_schema(path).names
        _check_columns(pd.DataFrame(columns=columns), path, wanted)
        frame = pd.read_parquet(path, columns=list(dict.fromkeys(_named(wanted))))
    except pa.ArrowException as error:
        raise ValueError(
            f"{path} is not a readable Parquet file ({error}); for a text log set "
            "dataset.format=csv or tsv"
        ) from None
    if frame.empty:
        raise ValueError(f"{path} contains no rows; expected a log with columns {_named(wanted)}")
    return frame


def _named(wanted: dict) -> list[str]:
    return [column for column in wanted.values() if column is not None]


def _check_columns(frame: pd.DataFrame, path: Path, wanted: dict) -> None:
    columns = [str(column) for column in frame.columns]
    for key, column in wanted.items():
        if column is not None and column not in frame.columns:
            raise ValueError(
                f"{path} has no column {column!r} ({key}); its columns are {columns}, so "
                f"set {key} to one of them, {_column_example(key, str(column), columns)}"
            )


def _column_example(key: str, column: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(column, columns, n=1)
    if close:
        return f"e.g. {key}={close[0]}"
    if key in ("dataset.rating_column", "dataset.timestamp_column"):
        return f"or to null when the log has no such column ({key}=null)"
    return f"e.g. {key}={columns[0] if columns else 'user'}"


def _check_separator(frame: pd.DataFrame, path: Path, sep: str, wanted: dict) -> None:
    """Raise when a wanted column is missing and the single header field has another delimiter."""
    if len(frame.columns) != 1 or all(c in frame.columns for c in _named(wanted)):
        return
    header = str(frame.columns[0])
    found = [other for other in ("\t", ",", ";", "|") if other != sep and other in header]
    if found:
        raise ValueError(
            f"{path}: the header {header!r} is a single {sep!r}-separated field, but it "
            f"contains {found[0]!r}; set the file's delimiter, e.g. {_sep_override(found[0])}"
        )


def _sep_override(sep: str) -> str:
    """Return the override that selects ``sep``, quoted for the shell and for Hydra."""
    if sep == "\t":
        return "dataset.format=tsv"
    return f"\"dataset.sep='{sep}'\""


def _first_non_utf8_line(path: Path) -> int | str:
    # pandas reports the byte offset within one field, so find the line here.
    opener = gzip.open if _is_gzip_name(path) else open
    with opener(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return "?"


def _is_gzip_name(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def _drop_blank_rows(frame: pd.DataFrame, path: Path, wanted: dict) -> pd.DataFrame:
    blank = (frame.isna() | (frame == "")).all(axis=1)
    frame = frame[~blank]
    if frame.empty:
        raise ValueError(f"{path} contains no data lines; expected columns {_named(wanted)}")
    return frame


def parse_ids(values: pd.Series, path: Path, column: str, unit: str) -> np.ndarray:
    """Return ids as ``int64`` when all are integers, else as strings; reject missing ones."""
    missing = values.isna().to_numpy() | (values.astype(str) == "").to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"{path}, {unit} {values.index[row] + 1}: the {column} id is missing "
            f"({int(missing.sum())} such {unit}s); fill or remove these {unit}s"
        )
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(values.dtype):
        raise ValueError(
            f"{path}: the {column} ids are floating-point numbers; store ids as "
            "integers or strings"
        )
    text = values.astype(str).to_numpy(dtype=object)
    if all(CANONICAL_INT.match(value) for value in text):
        try:
            return text.astype(np.int64)
        except OverflowError:
            pass  # Wider than int64: such ids stay strings.
    return text


def parse_timestamps(
    values: pd.Series, timestamp_format: str | None, path: Path, unit: str
) -> np.ndarray:
    """Return Unix seconds as ``int64`` from integers, datetimes or formatted strings."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _to_unix_seconds(values)
    if timestamp_format is None:
        try:
            return to_number(values, "int", path, values.name, unit)
        except ValueError as error:
            raise ValueError(
                f"{error}; for date strings set dataset.timestamp_format, "
                "e.g. dataset.timestamp_format=ISO8601"
            ) from None
    parsed = pd.to_datetime(values, format=timestamp_format, utc=True, errors="coerce")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise ValueError(
            f"{path}, {unit} {values.index[row] + 1}: timestamp {values.iloc[row]!r} does "
            f"not match dataset.timestamp_format={timestamp_format!r}; fix the value or "
            "the format"
        )
    return _to_unix_seconds(parsed)


def _to_unix_seconds(values: pd.Series) -> np.ndarray:
    if values.dt.tz is None:
        values = values.dt.tz_localize("UTC")
    epoch = pd.Timestamp(0, tz="UTC")
    return ((values - epoch) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)
