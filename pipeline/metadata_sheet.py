"""The metadata sheet: one row per interview (``interview_id``, ``file``, roles, names, ...).

Read as strings (.csv in UTF-8 or Windows-1252, or .xlsx) and checked; every problem names
the file, the spreadsheet line and the column. A sheet saved with another delimiter
(semicolons, tabs) or a header spelled differently (``Interview_ID``, ``File ``) is refused
with what was expected and what was found. Shared by the ingest stage and the up-front input
check (:mod:`pipeline.validate`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path, PurePath

import pandas as pd

from pipeline.errors import QualevalError

REQUIRED = ("interview_id", "file")
_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _first_line(path: Path) -> str:
    """The header line of a text sheet (empty when unreadable)."""
    raw = path.read_bytes()[:65536]
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc).splitlines()[0] if raw.strip() else ""
        except UnicodeDecodeError:
            continue
    return ""


def other_delimiter(path: Path) -> str | None:
    """The name of the delimiter a CSV header uses when it is not a comma (else ``None``)."""
    header = _first_line(path)
    if "," in header:
        return None
    try:
        found = csv.Sniffer().sniff(header, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        return None
    return _DELIMITERS.get(found)


def _canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def header_hint(columns: list[str]) -> str:
    """What the header has in place of the required columns, e.g. ``'Interview_ID ' for ...``."""
    by_shape = {_canonical(c): c for c in columns}
    hints = [
        f"{by_shape[_canonical(need)]!r} for {need!r}"
        for need in REQUIRED
        if need not in columns and _canonical(need) in by_shape
    ]
    found = ", ".join(repr(c) for c in columns[:8]) + (" ..." if len(columns) > 8 else "")
    fix = f"; found {' and '.join(hints)}: rename them exactly" if hints else ""
    return f" (the header has {found or 'no columns'}{fix})"


def read_sheet(path: Path, sheet: str | None, what: str) -> tuple[pd.DataFrame, str]:
    """Read a .csv (UTF-8 or Windows-1252) or .xlsx sheet as strings; return it and its encoding.

    Raises:
        QualevalError: when the file is missing or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: {what} not found; fix the path in params.yaml")
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str).fillna("")
            return df, ""
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            return df, "utf-8"
        except UnicodeDecodeError:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
            return df, "cp1252"
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QualevalError(
            f"{path}: cannot read the {what} ({first}); save it as a comma-separated CSV or "
            ".xlsx with a header row"
        ) from None


def read_metadata(path: Path) -> pd.DataFrame:
    """Read the metadata sheet (.csv, UTF-8 or Windows-1252; or .xlsx) as strings.

    Raises:
        QualevalError: when the file is missing, unreadable or not comma-separated.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: metadata file not found; set data.metadata in params.yaml")
    df, _ = read_sheet(path, None, "metadata sheet")
    if path.suffix.lower() not in {".xlsx", ".xls"} and len(df.columns) == 1:
        name = other_delimiter(path)
        if name:
            raise QualevalError(
                f"{path}: the columns are separated by {name}, not commas; save the sheet as "
                "a comma-separated CSV (or as .xlsx)"
            )
    return df


def validate_metadata(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the metadata table; return it with stripped strings.

    Raises:
        QualevalError: naming the file, line and column, for missing columns, blank
            ids or files, duplicate ids or files, and unparseable dates.
    """
    df = df.copy()
    given = [str(c) for c in df.columns]
    df.columns = [c.strip() for c in given]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must "
            f"include interview_id and file{header_hint(given)}"
        )
    for c in df.columns:
        df[c] = df[c].astype(str).str.strip()
    # rows whose id starts with "#" are comments (the template's example row)
    df = df[~df["interview_id"].str.startswith("#")]
    problems = []
    for col in ("interview_id", "file"):
        for i in df.index[df[col] == ""]:
            problems.append(f"{source}: line {i + 2}: {col} is empty; fill it in or delete the row")
    for col in ("interview_id", "file"):
        dup = df[df[col].duplicated(keep=False) & (df[col] != "")]
        for value, grp in dup.groupby(col, sort=True):
            lines = ", ".join(str(i + 2) for i in grp.index)
            problems.append(
                f"{source}: lines {lines}: duplicate {col} {value!r}; each interview "
                "needs its own id and file"
            )
    if "interview_date" in df.columns:
        for i, v in df["interview_date"].items():
            if v and pd.isna(pd.to_datetime(v, errors="coerce", format="ISO8601")):
                problems.append(
                    f"{source}: line {i + 2}: interview_date {v!r} is not a date; use YYYY-MM-DD"
                )
    if problems:
        raise QualevalError("\n".join(problems))
    return df


def escapes(value: str) -> str | None:
    """Why a metadata ``file`` value points outside the transcripts folder (None if it does not)."""
    pure = PurePath(value.replace("\\", "/"))
    if pure.is_absolute() or value.startswith(("/", "\\")) or (len(value) > 1 and value[1] == ":"):
        return "is an absolute path"
    if ".." in pure.parts:
        return "goes up a folder ('..')"
    return None
