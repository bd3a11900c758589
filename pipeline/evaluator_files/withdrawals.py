"""Withdrawals: interviews a participant has withdrawn, or passages and names to strike.

``data.withdrawals`` names a CSV or XLSX sheet with one row per request:

- ``interview_id``: the interview (as in the metadata sheet);
- ``strike`` (optional column, may be blank): a passage or a name to strike from that
  interview; blank withdraws the whole interview;
- ``reason``: why (kept only in the private audit log).

Rows whose ``interview_id`` starts with ``#`` are comments. The ingest stage applies the
requests to its output, so nothing downstream ever sees a withdrawn interview or a struck
passage (:func:`apply_withdrawals`), and writes every request with what it removed to the
private audit log; the counts go to the ingest metrics for the report's methods section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError

REQUIRED = ("interview_id", "reason")
STRUCK = "[withdrawn]"
LOG_COLUMNS = ("interview_id", "scope", "reason", "turns_removed", "passages_struck")


@dataclass(frozen=True)
class Withdrawal:
    """One request: the whole interview (``strike`` empty) or a passage or name in it."""

    interview_id: str
    strike: str
    reason: str
    line: int


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        if suffix in (".csv", ".txt", ""):
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise QualevalError(
            f"{path}: cannot read the withdrawals sheet ({type(exc).__name__}); save it as "
            "UTF-8 CSV or .xlsx with the columns interview_id, strike, reason"
        ) from None
    raise QualevalError(f"{path}: withdrawals must be a .csv or .xlsx sheet")


def read_withdrawals(path: Path | None, interview_ids: set[str] | None = None) -> list[Withdrawal]:
    """Read and check the withdrawals sheet (none when ``path`` is None).

    Args:
        path: the sheet (``data.withdrawals``).
        interview_ids: the ids the metadata lists; a request for another id is an error.

    Raises:
        QualevalError: naming the file, line and column of every problem at once.
    """
    if path is None:
        return []
    path = Path(path)
    if not path.is_file():
        raise QualevalError(
            f"{path}: withdrawals sheet not found; create it or set data.withdrawals: null"
        )
    df = _read_table(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{path}: missing column(s) {', '.join(missing)}; the withdrawals sheet needs "
            "interview_id, strike (optional: a passage or name; blank withdraws the whole "
            "interview) and reason"
        )
    out, problems = [], []
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2
        iid = str(row["interview_id"]).strip()
        if iid.startswith("#"):
            continue
        strike = str(row.get("strike", "") or "").strip()
        reason = str(row["reason"]).strip()
        if not iid:
            problems.append(f"{path}: line {line}: interview_id: empty; name the interview")
            continue
        if not reason:
            problems.append(f"{path}: line {line}: reason: empty; record why (private)")
        if interview_ids is not None and iid not in interview_ids:
            problems.append(
                f"{path}: line {line}: interview_id: {iid!r} is not in the metadata sheet"
            )
        out.append(Withdrawal(iid, strike, reason, line))
    if problems:
        raise QualevalError("\n".join(problems))
    return out


def strike_pattern(strike: str) -> re.Pattern[str]:
    """The passage as a pattern: case-insensitive, any white space between its words."""
    words = [re.escape(w) for w in strike.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def apply_withdrawals(
    tables: dict[str, pd.DataFrame], requests: list[Withdrawal], text_columns: dict[str, str]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Drop withdrawn interviews from every table and strike passages from the text columns.

    Args:
        tables: name -> table with an ``interview_id`` column (turns, preamble, interviews).
        requests: from :func:`read_withdrawals`.
        text_columns: name -> the column of its text (tables without one are only filtered).

    Returns:
        The tables, and the audit log (:data:`LOG_COLUMNS`; one row per request).
    """
    whole = {r.interview_id for r in requests if not r.strike}
    counts = {
        name: df["interview_id"].astype(str).value_counts().to_dict()
        for name, df in tables.items()
        if name in text_columns
    }
    out = {n: df[~df["interview_id"].astype(str).isin(whole)].copy() for n, df in tables.items()}
    log = []
    for r in requests:
        struck = 0
        if r.strike:
            pattern = strike_pattern(r.strike)
            for name, col in text_columns.items():
                df = out[name]
                mine = df["interview_id"].astype(str) == r.interview_id
                for idx in df.index[mine]:
                    new, n = pattern.subn(STRUCK, str(df.at[idx, col]))
                    if n:
                        df.at[idx, col] = new
                        struck += n
        removed = 0 if r.strike else sum(c.get(r.interview_id, 0) for c in counts.values())
        scope = "passage" if r.strike else "interview"
        log.append((r.interview_id, scope, r.reason, removed, struck))
    return out, pd.DataFrame(log, columns=list(LOG_COLUMNS))
