"""The metadata sheet: one row per interview (``interview_id``, ``file``, roles, names, ...).

Read as strings (.csv in UTF-8 or Windows-1252, or .xlsx) and checked; every problem names
the file, the spreadsheet line and the column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError


def read_metadata(path: Path) -> pd.DataFrame:
    """Read the metadata sheet (.csv, UTF-8 or Windows-1252; or .xlsx) as strings.

    Raises:
        QualevalError: when the file is missing or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: metadata file not found; set data.metadata in params.yaml")
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            df = pd.read_excel(path, dtype=str).fillna("")
        else:
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QualevalError(
            f"{path}: cannot read the metadata sheet ({first}); "
            "save it as a comma-separated CSV with a header row"
        ) from None
    return df


def validate_metadata(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the metadata table; return it with stripped strings.

    Raises:
        QualevalError: naming the file, line and column, for missing columns, blank
            ids or files, duplicate ids or files, and unparseable dates.
    """
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("interview_id", "file") if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must "
            "include interview_id and file"
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
