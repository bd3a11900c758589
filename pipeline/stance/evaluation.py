"""Stance against a stance gold: accuracy, macro-F1 over the four stances, a confusion table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline import agreement
from pipeline.stance.core import STANCES

_KEY = ["interview_id", "turn_index", "code_id"]


def score_against_gold(predicted: pd.DataFrame, gold: pd.DataFrame) -> dict[str, Any]:
    """Agreement of ``predicted`` stances with ``gold`` over the gold's (turn, code) pairs.

    Both tables have ``interview_id``, ``turn_index``, ``code_id`` and ``stance``. A gold pair
    with no prediction counts as wrong (``missing`` says how many). ``macro_f1`` averages the
    per-stance F1 over the stances that occur in the gold or the predictions.
    """
    pred = predicted[[*_KEY, "stance"]].astype({"interview_id": str, "code_id": str})
    g = gold[[*_KEY, "stance"]].astype({"interview_id": str, "code_id": str})
    merged = g.merge(pred, on=_KEY, how="left", suffixes=("_gold", "_pred"))
    n = len(merged)
    missing = int(merged["stance_pred"].isna().sum())
    ref = np.array([[s == c for c in STANCES] for s in merged["stance_gold"]], dtype=bool)
    hyp = np.array([[s == c for c in STANCES] for s in merged["stance_pred"]], dtype=bool)
    ref, hyp = ref.reshape(n, len(STANCES)), hyp.reshape(n, len(STANCES))
    confusion = {
        gs: {
            ps: int(((merged["stance_gold"] == gs) & (merged["stance_pred"] == ps)).sum())
            for ps in STANCES
        }
        for gs in STANCES
    }
    return {
        "n": n,
        "missing": missing,
        "accuracy": round(float((merged["stance_gold"] == merged["stance_pred"]).mean()), 4)
        if n
        else None,
        "macro_f1": round(agreement.macro_f1(ref, hyp), 4) if n else None,
        "gold_by_stance": {s: int(ref[:, j].sum()) for j, s in enumerate(STANCES)},
        "predicted_by_stance": {s: int(hyp[:, j].sum()) for j, s in enumerate(STANCES)},
        "f1_by_stance": {
            s: round(agreement.f1(hyp[:, j], ref[:, j]), 4) for j, s in enumerate(STANCES)
        },
        "confusion": confusion,
    }
