"""The review sheet read back: which turns a person reviewed and the codes they gave them.

The compare stage writes ``coding/review_sheet.xlsx`` (:mod:`pipeline.compare.sheet`): one
row per respondent turn with the machine's codes, a proposed batch and a random evaluation
share. A reviewer copies it out of ``outputs/``, fills in some rows and names the copy as
``data.review``. A row is one turn:

- ``decision`` ``accept``: the turn's ``codes`` apply, except those in ``reject_codes``, plus
  those in ``add_codes``;
- ``decision`` ``reject``: none of the turn's ``codes`` apply; only ``add_codes`` do;
- ``decision`` blank: not reviewed (``reject_codes`` and ``add_codes`` must then be empty).

Rows flagged ``evaluation`` form the random share that agreement is measured on
(:func:`read_review` returns them apart); the counts' error rates use every reviewed row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
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

log = logging.getLogger(__name__)

SHEET = "review"
COLUMNS = (
    "order",
    "evaluation",
    "interview_id",
    "turn_index",
    "text",
    "codes",
    "source",
    "scores",
    "margin",
    "decision",
    "reject_codes",
    "add_codes",
    "note",
)
READ_BACK = ("evaluation", "interview_id", "turn_index", "codes", "decision")
DECISIONS = ("accept", "reject")
YES = "yes"
_TRUE = {"yes", "y", "true", "1", "x"}
_SPLIT = re.compile(r"[;,\n]+")


@dataclass(frozen=True)
class Review:
    """A filled-in review sheet.

    Attributes:
        codes: the final human codes of the reviewed turns (``interview_id, turn_index,
            code_id``, sorted).
        turns: the reviewed turns (``interview_id, turn_index``, sorted).
        evaluation: the reviewed turns of the random evaluation share (same columns).
        source: the file, for messages.
    """

    codes: pd.DataFrame
    turns: pd.DataFrame
    evaluation: pd.DataFrame
    source: str = ""


def split_codes(value: Any) -> list[str]:
    """Code ids written in one cell, separated by ``;``, ``,`` or new lines."""
    return [c.strip() for c in _SPLIT.split(as_text(value)) if c.strip()]


def _turns(keys: Iterable[tuple[str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(sorted(set(keys)), columns=list(TURN_COLUMNS))
    return df.astype({"interview_id": str, "turn_index": "int64"})


def _check_known(codes: list[str], known: Collection[str] | None, where: str, col: str) -> None:
    if known is None:
        return
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise QualevalError(
            f"{where}: {col}: unknown code {unknown[0]!r}; write code ids of the codebook "
            "(the 'codes' sheet lists them)"
        )


def _final_codes(cell: dict[str, Any], where: str, known: Collection[str] | None) -> set[str]:
    """The codes a reviewed row gives its turn (accepted + added - rejected)."""
    decision = as_text(cell["decision"]).lower()
    shown, rejected, added = (split_codes(cell[c]) for c in ("codes", "reject_codes", "add_codes"))
    for col, vals in (("reject_codes", rejected), ("add_codes", added)):
        _check_known(vals, known, where, col)
    if decision == "accept":
        _check_known(shown, known, where, "codes")
        return (set(shown) - set(rejected)) | set(added)
    return set(added)


def _row_decision(cell: dict[str, Any], where: str) -> str:
    """``accept``, ``reject`` or ``""``; an error for anything else or a half-filled row."""
    decision = as_text(cell["decision"]).lower()
    if decision and decision not in DECISIONS:
        raise QualevalError(
            f"{where}: decision: {as_text(cell['decision'])!r} is not accept or reject "
            "(blank: not reviewed)"
        )
    if not decision:
        filled = [c for c in ("reject_codes", "add_codes") if split_codes(cell[c])]
        if filled:
            raise QualevalError(
                f"{where}: decision: blank but {filled[0]} is filled; write accept (the "
                "turn's other codes apply) or reject (only add_codes apply)"
            )
    return decision


def _header(header: Any, sheet: str) -> dict[str, int]:
    if header is None:
        raise QualevalError(f"{sheet}: empty; start from the review sheet the pipeline wrote")
    names = [as_text(h) for h in header]
    missing = [c for c in READ_BACK if c not in names]
    if missing:
        raise QualevalError(
            f"{sheet}: missing column(s) {', '.join(missing)}; start from the review sheet "
            "this version of qualeval wrote (one row per turn) and keep its header"
        )
    return {c: names.index(c) for c in ("reject_codes", "add_codes", *READ_BACK) if c in names}


def is_review_sheet(path: Path) -> bool:
    """Whether an .xlsx file has this module's review sheet (one row per turn)."""
    wb = open_workbook(path)
    try:
        if SHEET not in wb.sheetnames:
            return False
        header = next(wb[SHEET].iter_rows(values_only=True, max_row=1), None) or ()
        return set(READ_BACK) <= {as_text(h) for h in header}
    finally:
        wb.close()


def read_review(path: Path, known: Collection[str] | None = None) -> Review:
    """Read a filled-in review sheet.

    Args:
        path: the .xlsx file (a copy of ``outputs/coding/review_sheet.xlsx``).
        known: the codebook's code ids; a code outside them is an error (``None``: unchecked).

    Raises:
        QualevalError: naming the file, sheet, line and column: not a workbook, a missing
            column, a bad decision or turn index, an unknown code, a turn listed twice.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: review sheet not found; check data.review in params.yaml")
    wb = open_workbook(path)
    codes, turns, evaluation, seen = [], [], [], {}
    try:
        if SHEET not in wb.sheetnames:
            raise QualevalError(f"{path}: no sheet {SHEET!r}; start from the sheet qualeval wrote")
        sheet = f"{path} (sheet {SHEET!r})"
        it = wb[SHEET].iter_rows(values_only=True)
        col = _header(next(it, None), sheet)
        for line, values in enumerate(it, start=2):
            values = tuple(values) + (None,) * (max(col.values()) + 1 - len(values))
            cell = {c: values[j] for c, j in col.items()}
            cell.setdefault("reject_codes", None)
            cell.setdefault("add_codes", None)
            where = f"{sheet}: line {line}"
            if not _row_decision(cell, where):
                continue
            iv = as_text(cell["interview_id"])
            if not iv:
                raise QualevalError(f"{where}: interview_id: empty; fill it in or delete the row")
            key = (iv, as_turn_index(cell["turn_index"], where))
            if key in seen:
                raise QualevalError(f"{where}: turn {key[0]} {key[1]} is also on line {seen[key]}")
            seen[key] = line
            codes.extend((*key, c) for c in sorted(_final_codes(cell, where, known)))
            turns.append(key)
            if as_text(cell["evaluation"]).lower() in _TRUE:
                evaluation.append(key)
    finally:
        wb.close()
    coding = pd.DataFrame(sorted(codes), columns=list(CODING_COLUMNS))
    coding = coding.astype({"interview_id": str, "turn_index": "int64", "code_id": str})
    log.info(
        "%s: %d reviewed turn(s), %d of them in the evaluation share",
        path.name,
        len(turns),
        len(evaluation),
    )
    return Review(coding, _turns(turns), _turns(evaluation), str(path))
