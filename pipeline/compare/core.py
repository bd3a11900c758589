"""Coding comparison: two codings of the same turns, code by code (pure).

Like NVivo's coding comparison query: for each code, the two codings are binary vectors over
the same turns (1 where the coding applied that code to that turn) and we report Cohen's
kappa, precision, recall and F1 (``a`` = predicted, ``b`` = reference), per code and pooled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalogue
from pipeline.agreement import coding_matrix, f1, kappa, precision, recall
from pipeline.errors import QualevalError
from pipeline.evaluator_files.human_codes import CODING_COLUMNS

log = logging.getLogger(__name__)

PER_CODE_COLUMNS = catalogue.columns("comparison")


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

    - ``kappa``: Cohen's kappa (as ``sklearn.metrics.cohen_kappa_score``). When both vectors
      are constant kappa is undefined (0/0); we define it as 1.0 if they are equal (e.g.
      neither coding used the code) and 0.0 if not.
    - ``precision``, ``recall``, ``f1``: positive class 1, 0.0 where undefined.
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
