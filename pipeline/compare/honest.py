"""Honest agreement: the machine measured only on turns whose human codes it did not learn.

The code stage calibrates (and trains) on every human-coded turn, by cross-fitting: a turn's
thresholds are learned on the *other* interviews. Its decision on a turn, kept in
``turn_scores.machine`` before any review replaces it, has therefore never seen that turn's
human codes. Agreement compares those decisions with the human codes on one *basis*:

- ``human codes (cross-fitted)``: every turn of ``data.human_codes`` (an independent coding,
  e.g. a gold file), when one is given;
- ``random evaluation share (cross-fitted)``: otherwise, the reviewed turns of the review
  sheet's random evaluation share; the uncertainty-sampled batch is left out, because it was
  chosen for being hard and its codes were suggested to the reviewer, so accepting the
  machine's codes there can never raise the figure;
- ``none``: no agreement is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.compare.core import compare
from pipeline.evaluator_files.review import Review

KEYS = ["interview_id", "turn_index"]
HUMAN_BASIS = "human codes (cross-fitted)"
EVALUATION_BASIS = "random evaluation share (cross-fitted)"
NO_BASIS = "none"


@dataclass(frozen=True)
class Basis:
    """The turns agreement is measured on and their human codes."""

    name: str
    turns: pd.DataFrame  # interview_id, turn_index
    reference: pd.DataFrame  # interview_id, turn_index, code_id
    description: str


def _restrict(coding: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    keep = set(zip(turns["interview_id"].astype(str), turns["turn_index"].astype(int)))
    pairs = zip(coding.interview_id, coding.turn_index)
    # a boolean array, not a list: an empty list would select no columns of an empty coding
    mask = np.array([(str(iv), int(ti)) in keep for iv, ti in pairs], dtype=bool)
    return coding[mask].reset_index(drop=True)


def honest_basis(
    machine_turns: pd.DataFrame,
    human: tuple[pd.DataFrame, pd.DataFrame] | None,
    review: Review | None,
) -> Basis | None:
    """The basis agreement is measured on (see the module), or ``None``.

    Args:
        machine_turns: the turns the machine coded (``interview_id, turn_index``).
        human: ``(coding, turns)`` of ``data.human_codes``, if given.
        review: the filled-in review sheet, if given.
    """
    coded = machine_turns[KEYS].drop_duplicates()
    if human is not None:
        turns = human[1].merge(coded, on=KEYS)
        if len(turns):
            desc = f"{len(turns)} turns coded by hand (data.human_codes), cross-fitted"
            return Basis(HUMAN_BASIS, turns, _restrict(human[0], turns), desc)
    if review is not None:
        turns = review.evaluation.merge(coded, on=KEYS)
        if len(turns):
            desc = f"{len(turns)} reviewed turns of the random evaluation share, cross-fitted"
            return Basis(EVALUATION_BASIS, turns, _restrict(review.codes, turns), desc)
    return None


def machine_coding(turn_scores: pd.DataFrame) -> pd.DataFrame:
    """The machine's own codes (before any review) as a coding table."""
    rows = turn_scores[turn_scores["machine"].astype(bool)]
    return rows[[*KEYS, "code_id"]].reset_index(drop=True)


def density(turn_codes: pd.DataFrame, turn_scores: pd.DataFrame) -> dict[str, Any]:
    """How densely turns are coded, after review and by the machine alone."""
    n = len(turn_scores[KEYS].drop_duplicates())
    machine = machine_coding(turn_scores)

    def share(coding: pd.DataFrame) -> float:
        return round(len(coding[KEYS].drop_duplicates()) / n, 6) if n else 0.0

    return {
        "turns": n,
        "coded_turn_share": share(turn_codes),
        "codes_per_turn": round(len(turn_codes) / n, 6) if n else 0.0,
        "machine_coded_turn_share": share(machine),
        "machine_codes_per_turn": round(len(machine) / n, 6) if n else 0.0,
    }


def honest_agreement(
    turn_scores: pd.DataFrame, basis: Basis, codes: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-code table and summary (with ``basis``, ``n_turns`` and ``per_code``)."""
    per_code, summary = compare(
        machine_coding(turn_scores),
        basis.reference,
        basis.turns,
        codes,
        a_name="automatic codes (turn_scores)",
        b_name=f"human codes ({basis.name})",
    )
    per_code = per_code.round(6)
    summary = {k: round(v, 6) if isinstance(v, float) else v for k, v in summary.items()}
    summary["per_code"] = {
        r.code_id: {
            "support": int(r.support),
            "precision": float(r.precision),
            "recall": float(r.recall),
            "f1": float(r.f1),
            "kappa": float(r.kappa),
        }
        for r in per_code.itertuples()
    }
    return per_code, {"basis": basis.name, "basis_description": basis.description, **summary}
