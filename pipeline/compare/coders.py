"""Human against human: two coders' files compared code by code (``qualeval compare-coders``).

The coding comparison every CAQDAS package has. Each file is read like ``data.human_codes``
(gold JSONL, CSV or a filled-in review sheet, old or new); the turns compared are those both
coders covered. Per code: each coder's count, both, Cohen's kappa, Krippendorff's alpha
(nominal data, two coders, a code present/absent per turn) and F1 (coder B as reference; F1 is
symmetric), and the share of turns on which they agree.

Krippendorff's alpha for two coders and a binary value with no missing data: over the
``N = 2n`` values of ``n`` turns, with ``d`` turns where the coders disagree and ``n0``,
``n1`` the number of 0 and 1 values, ``alpha = 1 - (N - 1) d / (n0 n1)``
(the coincidence-matrix form, Krippendorff 2011); 1.0 when every value is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.agreement import coding_matrix, f1, kappa
from pipeline.errors import QualevalError

CODER_COLUMNS = ("code_id", "coder_a", "coder_b", "both", "kappa", "alpha", "f1", "agreement")


def krippendorff_alpha_binary(a: np.ndarray, b: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) of two coders' 0/1 values over the same units."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    n_values = 2 * len(a)
    d = int((a != b).sum())
    n1 = int(a.sum() + b.sum())
    n0 = n_values - n1
    if n0 == 0 or n1 == 0:
        return 1.0
    return 1.0 - (n_values - 1) * d / (n0 * n1)


def compare_coders(
    a: tuple[pd.DataFrame, pd.DataFrame],
    b: tuple[pd.DataFrame, pd.DataFrame],
    codes: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-code agreement of two coders (``CODER_COLUMNS``) and the pooled summary.

    Args:
        a: coder A's ``(coding, turns)`` (as ``read_human_codes`` returns them).
        b: coder B's, same form.
        codes: the codes to compare, in order (default: every code either used, sorted).

    Raises:
        QualevalError: when the two files share no turn.
    """
    shared = a[1].merge(b[1], on=["interview_id", "turn_index"]).drop_duplicates()
    if shared.empty:
        raise QualevalError(
            "compare-coders: the two files cover no turn in common; each must list the "
            "turns its coder coded (interview_id, turn_index)"
        )
    if codes is None:
        codes = sorted(set(a[0]["code_id"]) | set(b[0]["code_id"]))
    keys = zip(shared["interview_id"].astype(str), shared["turn_index"].astype(int))
    pos = {k: i for i, k in enumerate(sorted(set(keys)))}
    ma, mb = coding_matrix(a[0], pos, codes), coding_matrix(b[0], pos, codes)
    rows = [
        (
            code,
            int(ma[:, j].sum()),
            int(mb[:, j].sum()),
            int((ma[:, j] & mb[:, j]).sum()),
            round(kappa(ma[:, j], mb[:, j]), 6),
            round(krippendorff_alpha_binary(ma[:, j], mb[:, j]), 6),
            round(f1(ma[:, j], mb[:, j]), 6),
            round(float((ma[:, j] == mb[:, j]).mean()), 6),
        )
        for j, code in enumerate(codes)
    ]
    table = pd.DataFrame(rows, columns=list(CODER_COLUMNS))
    active = table[(table.coder_a > 0) | (table.coder_b > 0)]
    summary = {
        "turns": len(pos),
        "codes": len(codes),
        "codes_used": len(active),
        "micro_f1": round(f1(ma, mb), 6),
        "macro_kappa": round(float(active.kappa.mean()), 6) if len(active) else None,
        "macro_alpha": round(float(active.alpha.mean()), 6) if len(active) else None,
        "pooled_alpha": round(krippendorff_alpha_binary(ma.ravel(), mb.ravel()), 6),
    }
    return table, summary


def run_compare_coders(a_path: Path, b_path: Path, out: Path, codebook: Path | None) -> dict:
    """Read both files, compare, write ``out`` (CSV) and ``out`` with ``.json`` (summary)."""
    from pipeline.codebook import load_codebook
    from pipeline.evaluator_files.human_codes import read_human_codes
    from pipeline.io import atomic_files, write_json

    codes = None if codebook is None else [c.id for c in load_codebook(codebook).leaves()]
    a, b = read_human_codes(a_path), read_human_codes(b_path)
    if codes is not None:
        for path, (coding, _) in ((a_path, a), (b_path, b)):
            unknown = sorted(set(coding["code_id"]) - set(codes))
            if unknown:
                raise QualevalError(f"{path}: code {unknown[0]!r} is not in the codebook")
    table, summary = compare_coders(a, b, codes)
    summary = {"coder_a": str(a_path), "coder_b": str(b_path), **summary}
    out = Path(out)
    with atomic_files({"table": out, "summary": out.with_suffix(".json")}) as tmp:
        table.to_csv(tmp["table"], index=False, lineterminator="\n")
        write_json(tmp["summary"], summary)
    return summary
