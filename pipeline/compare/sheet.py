"""The review sheet: one row per respondent turn, with a proposed batch to review first.

Every respondent turn is a row, coded or not, with the codes it has now (the machine's, or a
reviewer's from ``data.review``), its best scores and how close it came to a threshold. The
batch (``review.batch`` turns) is proposed by uncertainty sampling: the unreviewed turns whose
score for some code lies nearest that code's threshold (least margin) come first, because a
decision on them moves the calibration most. A share of the batch
(``review.evaluation_share``) is drawn at random (seeded) instead and flagged ``evaluation``:
agreement is measured on those turns only, so the sampling (and a reviewer accepting the
machine's codes on the hard cases) does not bias it; the counts' error rates are measured on
every reviewed turn (:mod:`pipeline.compare.prevalence`). Random rows are
spread evenly through the batch so that a reviewer who stops early has reviewed some.

Reading the sheet back: :mod:`pipeline.evaluator_files.review`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipeline.evaluator_files.review import COLUMNS, DECISIONS, SHEET, YES, Review
from pipeline.io import normalise_zip
from pipeline.params import ReviewParams

INSTRUCTIONS_SHEET = "instructions"
CODES_SHEET = "codes"
KEYS = ["interview_id", "turn_index"]
N_SCORES = 3

INSTRUCTIONS = (
    "How to review the automatic codes",
    "",
    "Each row of the 'review' sheet is one respondent turn (its anonymised text in 'text').",
    "'codes' are the codes it has now: the machine's ('source' machine) or yours from an "
    "earlier review ('source' review). 'scores' shows its best codes as score/threshold; "
    "'margin' is how near the turn came to a threshold (small: the machine was unsure).",
    "",
    "Rows with a number in 'order' are the proposed batch: review them in that order (the "
    "most informative first). Rows marked 'evaluation' were drawn at random: agreement is "
    "measured on them, so please review them as carefully as the others and never skip "
    "them. Every reviewed row corrects the counts' estimates.",
    "",
    "For each turn you review, write in 'decision':",
    "  accept - the turn's codes apply, except any you list in 'reject_codes';",
    "  reject - none of the turn's codes apply;",
    "  (leave blank) - not reviewed.",
    "In 'add_codes' list codes the machine missed (with accept or reject). Separate code ids "
    "with ';'. The 'codes' sheet lists the code ids.",
    "",
    "Keep the header; do not edit interview_id or turn_index. Save as .xlsx outside outputs/ "
    "and name the file as data.review in params.yaml: your decisions then replace the "
    "machine's codes for those turns everywhere (tables, report, evidence), and the machine "
    "recalibrates on them for the other turns. The next run writes a new sheet with your "
    "decisions filled in and a new batch: continue on that one.",
)
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTHS = {
    "order": 7,
    "evaluation": 10,
    "interview_id": 14,
    "turn_index": 10,
    "text": 90,
    "codes": 34,
    "source": 9,
    "scores": 40,
    "margin": 8,
    "decision": 10,
    "reject_codes": 26,
    "add_codes": 26,
    "note": 30,
}
_WRAPPED = ("text", "codes", "scores", "note")


def turn_uncertainty(turn_scores: pd.DataFrame) -> pd.DataFrame:
    """Per turn (in table order): ``margin`` (least ``|score - threshold|``) and ``scores``.

    ``scores`` lists the turn's ``N_SCORES`` best codes as ``code score/threshold``.
    """
    if turn_scores.empty:
        return pd.DataFrame(columns=[*KEYS, "margin", "scores"])
    ts = turn_scores.assign(gap=(turn_scores["score"] - turn_scores["threshold"]).abs())
    margin = ts.groupby(KEYS, sort=False)["gap"].min().round(4)
    top = ts.sort_values([*KEYS, "score"], ascending=[True, True, False], kind="mergesort")
    top = top.groupby(KEYS, sort=False).head(N_SCORES)
    text = top.groupby(KEYS, sort=False).apply(
        lambda g: "; ".join(
            f"{c} {s:.2f}/{t:.2f}" for c, s, t in zip(g["code_id"], g["score"], g["threshold"])
        ),
        include_groups=False,
    )
    out = margin.to_frame("margin").join(text.rename("scores")).reset_index()
    return out[[*KEYS, "margin", "scores"]]


class EvaluationDraw(NamedTuple):
    """The open turns of a batch and its random evaluation share (:func:`evaluation_draw`)."""

    keys: list[tuple[str, int]]  # (interview_id, turn_index) of every row of ``turns``
    open_rows: np.ndarray  # rows not yet reviewed
    random_rows: np.ndarray  # rows drawn at random from them (the evaluation share)
    size: int  # the batch size
    rng: np.random.Generator  # the seeded generator after the draw, for a caller's own rest


def evaluation_draw(
    turns: pd.DataFrame, reviewed: set[tuple[str, int]], params: ReviewParams
) -> EvaluationDraw:
    """The batch's open turns and its random evaluation share (at least one turn above 0)."""
    keys = list(zip(turns["interview_id"].astype(str), turns["turn_index"].astype(int)))
    open_rows = np.array([i for i, k in enumerate(keys) if k not in reviewed], dtype=np.int64)
    size = min(params.batch, len(open_rows))
    n_random = min(size, round(size * params.evaluation_share))
    if size and params.evaluation_share > 0:
        n_random = max(n_random, 1)
    rng = np.random.default_rng(params.seed)
    empty = np.zeros(0, dtype=np.int64)
    random_rows = rng.choice(open_rows, size=n_random, replace=False) if n_random else empty
    return EvaluationDraw(keys, open_rows, random_rows, size, rng)


def propose_batch(
    turns: pd.DataFrame, reviewed: set[tuple[str, int]], params: ReviewParams
) -> pd.DataFrame:
    """The next batch: ``interview_id, turn_index, order, evaluation`` (pure, seeded).

    Args:
        turns: one row per turn with its ``margin`` (:func:`turn_uncertainty`).
        reviewed: turns already reviewed (never proposed again).
        params: the batch size, random share and seed.
    """
    keys, open_rows, random_rows, size, _ = evaluation_draw(turns, reviewed, params)
    n_random = len(random_rows)
    rest = open_rows[~np.isin(open_rows, random_rows)]
    margins = turns["margin"].to_numpy(dtype=np.float64)[rest]
    uncertain = rest[np.argsort(margins, kind="stable")][: size - n_random]
    slots = {int((i + 0.5) * size / n_random) for i in range(n_random)} if n_random else set()
    r_iter, u_iter = iter(sorted(int(r) for r in random_rows)), iter(int(u) for u in uncertain)
    rows = []
    for pos in range(size):
        is_random = pos in slots
        row = next(r_iter) if is_random else next(u_iter)
        rows.append((*keys[row], pos + 1, YES if is_random else ""))
    out = pd.DataFrame(rows, columns=[*KEYS, "order", "evaluation"])
    return out.astype({"interview_id": str, "turn_index": "int64", "order": "int64"})


def _turn_text(segments: pd.DataFrame) -> pd.DataFrame:
    order = [c for c in ("interview_id", "turn_index", "segment_index") if c in segments]
    seg = segments.sort_values(order, kind="mergesort")
    text = seg.groupby(KEYS, sort=False)["text"].apply(lambda s: " ".join(map(str, s)))
    return text.reset_index().astype({"interview_id": str, "turn_index": "int64"})


def _joined_codes(codes: pd.DataFrame) -> pd.DataFrame:
    out = codes.sort_values([*KEYS, "code_id"]).groupby(KEYS)["code_id"].apply("; ".join)
    return out.rename("codes").reset_index().astype({"interview_id": str, "turn_index": "int64"})


def _key_set(turns: pd.DataFrame | None) -> set[tuple[str, int]]:
    if turns is None:
        return set()
    return set(zip(turns["interview_id"].astype(str), turns["turn_index"].astype(int)))


def review_sheet(
    turn_scores: pd.DataFrame,
    turn_codes: pd.DataFrame,
    segments: pd.DataFrame,
    params: ReviewParams,
    review: Review | None = None,
) -> pd.DataFrame:
    """The sheet (``COLUMNS``): the batch first (by ``order``), then the other turns.

    Turns a reviewer already decided (``review``) come last, filled in (``decision``
    ``accept`` and their codes, their ``evaluation`` flag kept), so the sheet read back gives
    the same codes and the reviewer carries on where they stopped.

    Args:
        turn_scores: the code stage's every (turn, code) score, threshold and decision.
        turn_codes: the codes each turn has now (after any review).
        segments: the segments table (the anonymised text of each turn).
        params: the ``review`` block.
        review: the filled sheet given as ``data.review``, if any.
    """
    turns = turn_uncertainty(turn_scores).astype({"interview_id": str, "turn_index": "int64"})
    reviewed = set() if review is None else set(map(tuple, review.turns[KEYS].values.tolist()))
    evaluated = (
        set() if review is None else set(map(tuple, review.evaluation[KEYS].values.tolist()))
    )
    batch = propose_batch(turns, reviewed, params)
    sheet = turns.merge(_turn_text(segments), on=KEYS, how="left")
    sheet = sheet.merge(_joined_codes(turn_codes), on=KEYS, how="left")
    sheet = sheet.merge(batch, on=KEYS, how="left")
    keys = list(zip(sheet["interview_id"], sheet["turn_index"]))
    done = np.array([k in reviewed for k in keys], dtype=bool)
    sheet["source"] = np.where(done, "review", "machine")
    sheet["decision"] = np.where(done, "accept", "")
    sheet["evaluation"] = [
        YES if k in evaluated else (e if isinstance(e, str) else "")
        for k, e in zip(keys, sheet["evaluation"])
    ]
    for c in ("text", "codes"):
        sheet[c] = sheet[c].fillna("").astype(str)
    sheet["reject_codes"] = sheet["add_codes"] = sheet["note"] = ""
    sheet["order"] = sheet["order"].astype("Int64")
    rank = np.where(sheet["order"].notna(), 0, np.where(done, 2, 1))
    sheet = sheet.assign(_rank=rank).sort_values(["_rank", "order", *KEYS], kind="mergesort")
    return sheet[list(COLUMNS)].reset_index(drop=True)


def _format_review(ws, n_rows: int) -> None:
    """Header frozen and bold, widths, wrapped text, and the decision drop-down."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.freeze_panes = "F2"
    ws.auto_filter.ref = ws.dimensions
    for j, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS[name]
        ws.cell(row=1, column=j).font = Font(bold=True)
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            if name in _WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    col = get_column_letter(COLUMNS.index("decision") + 1)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(DECISIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="decision",
        error="Write accept, reject, or leave blank (not reviewed).",
    )
    dv.add(f"{col}2:{col}{n_rows + 1}")
    ws.add_data_validation(dv)


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].fillna("").astype(str).map(lambda s: _ILLEGAL_XLSX.sub("", s))
    return out


def write_review_xlsx(df: pd.DataFrame, path: Path, codebook: Sequence[tuple[str, str]]) -> None:
    """Write the sheet as .xlsx with ``instructions`` and ``codes`` sheets (stable bytes).

    Args:
        df: the sheet (:func:`review_sheet`).
        path: the .xlsx file to write.
        codebook: ``(code_id, label)`` of every leaf code, for the ``codes`` sheet.
    """
    from openpyxl.styles import Font

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        _clean(df[list(COLUMNS)]).to_excel(writer, sheet_name=SHEET, index=False)
        pd.DataFrame({"instructions": list(INSTRUCTIONS)}).to_excel(
            writer, sheet_name=INSTRUCTIONS_SHEET, index=False, header=False
        )
        codes = pd.DataFrame(list(codebook), columns=["code_id", "label"])
        _clean(codes).to_excel(writer, sheet_name=CODES_SHEET, index=False)
        _format_review(writer.sheets[SHEET], len(df))
        writer.sheets[INSTRUCTIONS_SHEET].column_dimensions["A"].width = 120
        writer.sheets[INSTRUCTIONS_SHEET].cell(row=1, column=1).font = Font(bold=True)
        writer.sheets[CODES_SHEET].column_dimensions["A"].width = 40
        writer.sheets[CODES_SHEET].column_dimensions["B"].width = 60
    normalise_zip(path)
