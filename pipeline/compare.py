"""Compare stage: automatic codes against human codes, and the sheet a human reviews.

Like NVivo's coding comparison query: for each code, the two codings are binary vectors over
the same turns (1 where the coding applied that code to that turn) and we report Cohen's
kappa, precision, recall and F1 (automatic = predicted, human = reference), per code and
pooled. Human codes come from a gold JSONL file, a CSV, or the review sheet written here
after a human filled in its ``decision`` column
(:func:`pipeline.evaluator_files.human_codes.read_human_codes`).

:func:`compare` and :func:`review_sheet` are pure (DataFrames in, DataFrames out);
:func:`main` does the file I/O.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from pipeline import catalogue
from pipeline.agreement import coding_matrix, f1, kappa, precision, recall
from pipeline.errors import QualevalError
from pipeline.evaluator_files.human_codes import (
    CODING_COLUMNS,
    DECISIONS,
    REVIEW_SHEET,
    read_human_codes,
)
from pipeline.io import atomic_files, read_stage_table, write_json

log = logging.getLogger(__name__)

PER_CODE_COLUMNS = catalogue.columns("comparison")
REVIEW_COLUMNS = (
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
INSTRUCTIONS_SHEET = "instructions"
NO_HUMAN = {"", "none", "null"}

INSTRUCTIONS = (
    "How to review the automatic codes",
    "",
    "Each row of the 'review' sheet is one code the pipeline applied to one interview turn.",
    "score, methods and evidence say why it was applied; excerpt is the segment of the turn "
    "that scored best for that code.",
    "",
    "In the 'decision' column write:",
    "  accept - the code applies to this turn;",
    "  reject - the code does not apply to this turn;",
    "  (leave blank) - not reviewed: the row is ignored.",
    "Use 'note' for anything you want to remember; it is not read back.",
    "",
    "A turn counts as reviewed once any of its rows has a decision. For a reviewed turn, every "
    "code you did not accept (or add) counts as 'does not apply', so review all rows of a turn "
    "together.",
    "",
    "To add a code the pipeline missed, add a row at the bottom with interview_id, turn_index "
    "and code_id (a code id from the codebook) and decision 'accept'.",
    "",
    "Do not rename, reorder or delete the columns. Save as .xlsx.",
    "",
    "The saved file re-imports as human codes (qualeval's read_human_codes reads it): name it "
    "as data.human_codes in params.yaml (or pass it as --human to the compare stage) to "
    "measure agreement, or use it for calibration.",
)

_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WIDTHS = {
    "interview_id": 14,
    "turn_index": 11,
    "code_id": 32,
    "score": 8,
    "methods": 18,
    "evidence": 40,
    "excerpt": 80,
    "decision": 11,
    "note": 40,
}
_WRAPPED = ("evidence", "excerpt", "note")


# --- comparison ------------------------------------------------------------------------------


def _check_codes(coding: pd.DataFrame, codes: Sequence[str], name: str) -> None:
    missing = [c for c in CODING_COLUMNS if c not in coding.columns]
    if missing:
        raise QualevalError(f"{name}: missing column(s) {', '.join(missing)}")
    known = set(codes)
    unknown = sorted({str(c) for c in coding["code_id"]} - known)
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise QualevalError(
            f"unknown code {unknown[0]!r}{more} in {name}; is the codebook the one they used? "
            "Codes must be leaf code ids of the codebook"
        )


def _turn_positions(universe: pd.DataFrame, b_name: str) -> dict[tuple[str, int], int]:
    """Row of each universe turn, in sorted order; an error when there is none."""
    turns = sorted(
        {(str(iv), int(ti)) for iv, ti in zip(universe["interview_id"], universe["turn_index"])}
    )
    if not turns:
        raise QualevalError(
            f"no turns to compare: {b_name} cover no turn; list the coded turns (or fill in "
            "the decision column of the review sheet)"
        )
    return {t: i for i, t in enumerate(turns)}


def _log_outside(a: pd.DataFrame, turn_pos: dict[tuple[str, int], int], a_name: str) -> None:
    outside = sum(
        (str(iv), int(ti)) not in turn_pos for iv, ti in zip(a["interview_id"], a["turn_index"])
    )
    if outside:
        log.info("%d row(s) of %s are outside the compared turns; ignored", outside, a_name)


def per_code_agreement(pred: np.ndarray, ref: np.ndarray, codes: Sequence[str]) -> pd.DataFrame:
    """One row per code (``PER_CODE_COLUMNS``) from 0/1 matrices ``(turns, codes)``."""
    rows = []
    for j, code in enumerate(codes):
        p, r = pred[:, j], ref[:, j]
        rows.append(
            {
                "code_id": code,
                "support": int(r.sum()),
                "predicted": int(p.sum()),
                "true_positives": int((p & r).sum()),
                "precision": precision(p, r),
                "recall": recall(p, r),
                "f1": f1(p, r),
                "kappa": kappa(p, r),
                "agreement": float((p == r).mean()),
            }
        )
    per_code = pd.DataFrame(rows, columns=list(PER_CODE_COLUMNS))
    return per_code.astype({"support": "int64", "predicted": "int64", "true_positives": "int64"})


def agreement_summary(pred: np.ndarray, ref: np.ndarray, per_code: pd.DataFrame) -> dict[str, Any]:
    """Pooled (micro) and per-code-averaged (macro, over the active codes) agreement."""
    flat_p, flat_r = pred.ravel(), ref.ravel()
    active = per_code[(per_code["support"] > 0) | (per_code["predicted"] > 0)]

    def macro(column: str) -> float | None:
        return float(active[column].mean()) if len(active) else None

    return {
        "n_turns": len(pred),
        "n_codes": len(per_code),
        "n_codes_active": len(active),
        "agreement": float((flat_p == flat_r).mean()) if flat_p.size else 1.0,
        "micro_precision": precision(flat_p, flat_r),
        "micro_recall": recall(flat_p, flat_r),
        "micro_f1": f1(flat_p, flat_r),
        "macro_precision": macro("precision"),
        "macro_recall": macro("recall"),
        "macro_f1": macro("f1"),
        "macro_kappa": macro("kappa"),
    }


def compare(
    a: pd.DataFrame,
    b: pd.DataFrame,
    universe: pd.DataFrame,
    codes: Sequence[str],
    *,
    a_name: str = "automatic codes",
    b_name: str = "human codes",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Compare two codings of the same turns, code by code (pure).

    For each code, each coding is a 0/1 vector over the ``universe`` turns. ``a`` is the
    prediction and ``b`` the reference. Rows of either coding outside the universe are
    ignored.

    - ``kappa``: Cohen's kappa (``sklearn.metrics.cohen_kappa_score``). When both vectors
      are constant kappa is undefined (0/0); we define it as 1.0 if they are equal (e.g.
      neither coding used the code) and 0.0 if not.
    - ``precision``, ``recall``, ``f1``: sklearn, positive class 1, ``zero_division=0``.
    - ``support``: turns ``b`` coded with the code; ``predicted``: turns ``a`` coded;
      ``true_positives``: both; ``agreement``: share of universe turns where they agree.

    Summary: ``micro_*`` pool every (turn, code) cell; ``macro_*`` and ``macro_kappa``
    average over the *active* codes, those with ``support > 0`` or ``predicted > 0``
    (codes neither coding used would only add trivial 1.0 kappas and 0.0 F1s); they are
    ``None`` when no code is active. Also ``n_turns``, ``n_codes``, ``n_codes_active``
    and ``agreement`` (share of all cells that agree).

    Args:
        a: the predicted coding (``interview_id, turn_index, code_id``).
        b: the reference coding, same columns.
        universe: the turns both codings cover (``interview_id, turn_index``).
        codes: the code ids to compare (the codebook's leaves), in report order.
        a_name: what ``a`` is, for messages.
        b_name: what ``b`` is, for messages.

    Returns:
        The per-code table (``PER_CODE_COLUMNS``, in ``codes`` order) and the summary.

    Raises:
        QualevalError: when a coding uses a code not in ``codes``, or the universe is empty.
    """
    _check_codes(a, codes, a_name)
    _check_codes(b, codes, b_name)
    codes = list(dict.fromkeys(str(c) for c in codes))
    turn_pos = _turn_positions(universe, b_name)
    pred = coding_matrix(a, turn_pos, codes)
    ref = coding_matrix(b, turn_pos, codes)
    _log_outside(a, turn_pos, a_name)
    per_code = per_code_agreement(pred, ref, codes)
    return per_code, agreement_summary(pred, ref, per_code)


# --- review sheet ----------------------------------------------------------------------------


def review_sheet(
    segment_codes: pd.DataFrame, turn_codes: pd.DataFrame, segments: pd.DataFrame
) -> pd.DataFrame:
    """One row per automatic (turn, code) for a human to accept or reject (pure).

    ``excerpt`` is the text of the segment that scored best for that code in that turn
    (ties: the lowest ``segment_id``); empty if the segment is not in ``segments``.
    ``decision`` and ``note`` are empty for the reviewer. Rows are sorted by
    ``interview_id, turn_index, code_id``.

    Args:
        segment_codes: per-segment codes (``interview_id, turn_index, segment_id, start,
            end, code_id, score, method, evidence``).
        turn_codes: the per-turn roll-up (``interview_id, turn_index, code_id, score,
            n_segments, methods, evidence``).
        segments: the segments table (``segment_id, ..., text, ...``).

    Returns:
        The sheet (``REVIEW_COLUMNS``).
    """
    keys = list(CODING_COLUMNS)
    if turn_codes.empty:
        return pd.DataFrame(columns=list(REVIEW_COLUMNS))
    best = (
        segment_codes.sort_values(
            [*keys, "score", "segment_id"],
            ascending=[True, True, True, False, True],
            kind="mergesort",
        )
        .drop_duplicates(keys)[[*keys, "segment_id"]]
        .merge(segments[["segment_id", "text"]], on="segment_id", how="left")
    )
    out = turn_codes[[*keys, "score", "methods", "evidence"]].merge(
        best[[*keys, "text"]], on=keys, how="left"
    )
    n_missing = int(out["text"].isna().sum())
    if n_missing:
        log.warning("%d reviewed code(s) have no segment text; excerpt left empty", n_missing)
    out = out.rename(columns={"text": "excerpt"})
    out["excerpt"] = out["excerpt"].fillna("").astype(str)
    out["methods"] = out["methods"].fillna("").astype(str)
    out["evidence"] = out["evidence"].fillna("").astype(str)
    out["decision"] = ""
    out["note"] = ""
    out = out.sort_values(keys, kind="mergesort").reset_index(drop=True)
    return out[list(REVIEW_COLUMNS)]


def write_review_xlsx(df: pd.DataFrame, path: Path) -> None:
    """Write the review sheet as .xlsx: header frozen, widths set, decision as a drop-down.

    A second sheet, ``instructions``, says how to fill it in. Text is written as text
    (never a formula) and control characters Excel cannot store are removed.

    Args:
        df: the sheet (:func:`review_sheet`).
        path: the .xlsx file to write.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    df = df[list(REVIEW_COLUMNS)].copy()
    for c in ("interview_id", "code_id", "methods", "evidence", "excerpt", "decision", "note"):
        df[c] = df[c].fillna("").astype(str).map(lambda s: _ILLEGAL_XLSX.sub("", s))
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name=REVIEW_SHEET, index=False)
        pd.DataFrame({"instructions": list(INSTRUCTIONS)}).to_excel(
            writer, sheet_name=INSTRUCTIONS_SHEET, index=False, header=False
        )
        ws = writer.sheets[REVIEW_SHEET]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for j, name in enumerate(REVIEW_COLUMNS, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = _WIDTHS[name]
            ws.cell(row=1, column=j).font = Font(bold=True)
            if name in _WRAPPED:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        col = get_column_letter(REVIEW_COLUMNS.index("decision") + 1)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(DECISIONS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="decision",
            error="Write accept, reject, or leave blank (not reviewed).",
        )
        dv.add(f"{col}2:{col}{len(df) + 1001}")
        ws.add_data_validation(dv)
        instructions = writer.sheets[INSTRUCTIONS_SHEET]
        instructions.column_dimensions["A"].width = 120
        instructions.cell(row=1, column=1).font = Font(bold=True)


# --- stage -----------------------------------------------------------------------------------


# what this stage reads of the coding and embed stages' tables
TURN_CODE_NEEDS = catalogue.required("turn_codes", *CODING_COLUMNS, "score", "methods", "evidence")
SEGMENT_CODE_NEEDS = catalogue.required("segment_codes", *CODING_COLUMNS, "segment_id", "score")
SEGMENT_NEEDS = catalogue.required("segments", "segment_id", "text")


def _read_parquet(path: Path, what: str, columns: Sequence[str]) -> pd.DataFrame:
    return read_stage_table(path, what, columns, "the code and embed stages")


def _rounded(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def run_stage(
    auto_path: Path,
    human_path: Path | None,
    codebook_path: Path,
    segments_path: Path,
    segment_codes_path: Path,
    *,
    table_path: Path,
    metrics_path: Path,
    review_sheet_path: Path,
) -> dict[str, Any]:
    """Write the review sheet and, with human codes, the comparison table and metrics.

    Returns:
        The metrics written (``{"human_codes": false}`` without human codes).
    """
    from pipeline.codebook import load_codebook

    codes = [c.id for c in load_codebook(codebook_path).leaves()]
    turn_codes = _read_parquet(auto_path, "automatic codes (turn_codes)", TURN_CODE_NEEDS)
    segment_codes = _read_parquet(segment_codes_path, "segment codes", SEGMENT_CODE_NEEDS)
    segments = _read_parquet(segments_path, "segments table", SEGMENT_NEEDS)
    sheet = review_sheet(segment_codes, turn_codes, segments)

    if human_path is None:
        per_code = pd.DataFrame(columns=list(PER_CODE_COLUMNS))
        metrics: dict[str, Any] = {"human_codes": False}
    else:
        human, universe = read_human_codes(human_path)
        per_code, summary = compare(
            turn_codes[list(CODING_COLUMNS)],
            human,
            universe,
            codes,
            a_name=f"automatic codes ({Path(auto_path).name})",
            b_name=f"human codes ({Path(human_path).name})",
        )
        per_code = per_code.round(6)
        metrics = {"human_codes": True, **{k: _rounded(v) for k, v in summary.items()}}

    targets = {
        "comparison": table_path,
        "coding_agreement": metrics_path,
        "review_sheet": review_sheet_path,
    }
    with atomic_files(targets) as tmp:
        per_code.to_csv(tmp["comparison"], index=False, lineterminator="\n")
        write_json(tmp["coding_agreement"], metrics)
        write_review_xlsx(sheet, tmp["review_sheet"])
    if metrics["human_codes"]:
        log.info(
            "%d turns x %d codes: micro F1 %.3f, macro kappa %s",
            metrics["n_turns"],
            metrics["n_codes"],
            metrics["micro_f1"],
            "n/a" if metrics["macro_kappa"] is None else f"{metrics['macro_kappa']:.3f}",
        )
    else:
        log.info("no human codes: wrote the review sheet (%d rows) only", len(sheet))
    return metrics


def main(
    auto: Path = typer.Option(..., help="automatic per-turn codes (turn_codes.parquet)"),
    human: str = typer.Option(
        None, help="human codes (.jsonl, .csv or reviewed .xlsx); empty or 'none': no gold"
    ),
    codebook: Path = typer.Option(..., help="codebook YAML (its leaf codes are compared)"),
    segments: Path = typer.Option(..., help="segments table (parquet), for review excerpts"),
    segment_codes: Path = typer.Option(..., help="per-segment codes (parquet)"),
    table: Path = typer.Option(..., help="per-code comparison table to write (CSV)"),
    metrics: Path = typer.Option(..., help="agreement metrics JSON"),
    review_sheet: Path = typer.Option(..., help="review sheet to write (.xlsx)"),
) -> None:
    """Compare automatic codes with human codes and write the human review sheet."""
    text = None if human is None else str(human)
    human_path = None if text is None or text.strip().lower() in NO_HUMAN else Path(text)
    run_stage(
        auto,
        human_path,
        codebook,
        segments,
        segment_codes,
        table_path=table,
        metrics_path=metrics,
        review_sheet_path=review_sheet,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
