"""Human codes: a gold JSONL file, a CSV, or a review sheet a human filled in.

The code stage calibrates its thresholds (and trains its supervised coder) on them and the
compare stage measures agreement with them; both read them with :func:`read_human_codes`.
The review sheet (one row per turn) is written by the compare stage
(:mod:`pipeline.compare.sheet`) and read back by :mod:`pipeline.evaluator_files.review`; an
older sheet with one row per (turn, code) and a ``decision`` column is still read here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.evaluator_files.cells import (
    CODING_COLUMNS,
    TURN_COLUMNS,
    as_text,
    as_turn_index,
    open_workbook,
)
from pipeline.evaluator_files.jsonl import jsonl_lines
from pipeline.evaluator_files.review import is_review_sheet, read_review

log = logging.getLogger(__name__)

DECISIONS = ("accept", "reject")
REVIEW_SHEET = "review"
# the older review sheet: one row per (turn, code) the machine applied
LEGACY_REVIEW_COLUMNS = (
    "interview_id",
    "turn_index",
    "code_id",
    "score",
    "methods",
    "evidence",
    "excerpt",
    "decision",
    "note",
)


def _coding_frame(rows: Iterable[tuple[str, int, str]]) -> pd.DataFrame:
    df = pd.DataFrame(sorted(set(rows)), columns=list(CODING_COLUMNS))
    return df.astype({"interview_id": str, "turn_index": "int64", "code_id": str})


def _turn_frame(turns: Iterable[tuple[str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(sorted(set(turns)), columns=list(TURN_COLUMNS))
    return df.astype({"interview_id": str, "turn_index": "int64"})


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, turns = [], []
    example = '{"interview_id": "INT01", "turn_index": 5, "codes": ["a.b"]}'
    for _n, where, obj in jsonl_lines(path, example):
        if not isinstance(obj, dict):
            raise QualevalError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        for key in ("interview_id", "turn_index", "codes"):
            if key not in obj:
                raise QualevalError(f"{where}: {key}: missing; add it (codes may be [])")
        raw_iv = obj["interview_id"]
        ok = isinstance(raw_iv, (str, int)) and not isinstance(raw_iv, bool)
        iv = as_text(raw_iv) if ok else ""
        if not iv:
            raise QualevalError(f"{where}: interview_id: empty or not text; write the interview id")
        ti = as_turn_index(obj["turn_index"], where)
        codes = obj["codes"]
        if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
            raise QualevalError(
                f"{where}: codes: expected a list of code ids (strings), e.g. "
                '["benefit.sharing_practice"], or [] for a turn with no code'
            )
        turns.append((iv, ti))
        rows.extend((iv, ti, c.strip()) for c in codes)
    return _coding_frame(rows), _turn_frame(turns)


def _read_csv(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise QualevalError(
            f"{path}: empty; write a header interview_id,turn_index,code_id and one row per code"
        ) from None
    except UnicodeDecodeError:
        raise QualevalError(f"{path}: not UTF-8 text; save it as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise QualevalError(f"{path}: cannot read the CSV ({first}); check the quoting") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in CODING_COLUMNS if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must be "
            "interview_id,turn_index,code_id"
        )
    rows, turns = [], []
    for i, rec in enumerate(df[list(CODING_COLUMNS)].to_dict("records")):
        where = f"{path}: line {i + 2}"
        iv, code = rec["interview_id"].strip(), rec["code_id"].strip()
        if not iv:
            if not code and not rec["turn_index"].strip():
                continue
            raise QualevalError(f"{where}: interview_id: empty; fill it in or delete the row")
        ti = as_turn_index(rec["turn_index"], where)
        turns.append((iv, ti))
        if code:
            rows.append((iv, ti, code))
    return _coding_frame(rows), _turn_frame(turns)


def _review_columns(header: Any, sheet: str) -> tuple[list[str], dict[str, int]]:
    """The header's names and the position of each column read back."""
    if header is None:
        raise QualevalError(f"{sheet}: empty; start from the review sheet the pipeline wrote")
    names = [as_text(h) for h in header]
    missing = [c for c in (*CODING_COLUMNS, "decision") if c not in names]
    if missing:
        raise QualevalError(
            f"{sheet}: missing column(s) {', '.join(missing)}; keep the header of the "
            "review sheet the pipeline wrote"
        )
    return names, {c: names.index(c) for c in (*CODING_COLUMNS, "decision")}


def _reviewed_row(cell: dict[str, Any], decision: str, where: str) -> tuple[str, int, str]:
    """``(interview_id, turn_index, code_id)`` of a row with a decision, checked."""
    if decision not in DECISIONS:
        raise QualevalError(
            f"{where}: decision: {as_text(cell['decision'])!r} is not one of "
            f"{', '.join(DECISIONS)} (or blank for not reviewed)"
        )
    iv = as_text(cell["interview_id"])
    if not iv:
        raise QualevalError(f"{where}: interview_id: empty; fill it in or delete the row")
    ti = as_turn_index(cell["turn_index"], where)
    code = as_text(cell["code_id"])
    if not code:
        raise QualevalError(f"{where}: code_id: empty; write a code id from the codebook")
    return iv, ti, code


def _read_review_xlsx(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    wb = open_workbook(path)
    try:
        ws = wb[REVIEW_SHEET] if REVIEW_SHEET in wb.sheetnames else wb.worksheets[0]
        sheet = f"{path} (sheet {ws.title!r})"
        it = ws.iter_rows(values_only=True)
        names, col = _review_columns(next(it, None), sheet)
        rows, turns = [], []
        n_blank = 0
        for line, values in enumerate(it, start=2):
            values = tuple(values) + (None,) * (len(names) - len(values))
            cell = {c: values[j] for c, j in col.items()}
            decision = as_text(cell["decision"]).lower()
            if not decision:
                n_blank += any(as_text(v) for v in values)
                continue
            iv, ti, code = _reviewed_row(cell, decision, f"{sheet}: line {line}")
            turns.append((iv, ti))
            if decision == "accept":
                rows.append((iv, ti, code))
    finally:
        wb.close()
    if n_blank:
        log.info("%s: %d row(s) without a decision ignored (not reviewed)", path, n_blank)
    return _coding_frame(rows), _turn_frame(turns)


def read_human_codes(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read human codes from a gold JSONL file, a CSV, or a filled-in review sheet.

    Formats, by extension:

    - ``.jsonl``: one object per turn, ``{"interview_id", "turn_index", "codes": [...]}``
      (other keys ignored); ``"codes": []`` is a turn coded with nothing. Every listed
      turn is in the universe.
    - ``.csv``: columns ``interview_id,turn_index,code_id``, one row per code; a row with
      an empty ``code_id`` lists a turn coded with nothing. Every listed turn is in the
      universe.
    - ``.xlsx``: the review sheet after review (one row per turn:
      :func:`pipeline.evaluator_files.review.read_review`; the universe is the reviewed
      turns), or an older sheet with one row per (turn, code): ``decision`` ``accept`` is a
      human code, ``reject`` is not, blank rows are ignored (not reviewed), including rows a
      reviewer added at the bottom; the universe is the turns with at least one decision.

    Args:
        path: the file.

    Returns:
        The coding (``CODING_COLUMNS``, one row per turn and code, sorted, no duplicates)
        and the universe of turns it covers (``TURN_COLUMNS``, sorted).

    Raises:
        QualevalError: naming the file, line and field: missing file or columns, bad JSON,
            non-integer ``turn_index``, a ``decision`` other than accept, reject or blank.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(
            f"{path}: human codes not found; pass a .jsonl, .csv or filled-in review .xlsx, "
            "or 'none' for an evaluation without human codes"
        )
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        coding, universe = _read_jsonl(path)
    elif suffix == ".csv":
        coding, universe = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        if is_review_sheet(path):
            review = read_review(path)
            coding, universe = review.codes, review.turns
        else:
            coding, universe = _read_review_xlsx(path)
    else:
        raise QualevalError(
            f"{path}: unknown format {suffix or '(no extension)'!r}; use .jsonl (one object "
            "per turn), .csv (interview_id,turn_index,code_id) or the review sheet .xlsx"
        )
    log.info("%s: %d human code(s) over %d turn(s)", path.name, len(coding), len(universe))
    return coding, universe
