"""How many interviews raise each code, with an adjusted estimate and a 95% interval.

Observed: ``interviews`` raise a code when any of their turns has it (after review). With an
honest basis (:mod:`pipeline.compare.honest`) the count is adjusted for the machine's
measured errors, on every human-coded turn: the basis and every reviewed turn (ADR 0030). The
machine's decision on a reviewed turn is cross-fitted (it never saw that turn's codes), so the
reviewed turns measure its errors without flattering it, and there are five times more of them
than of the random share. Agreement itself is still measured on the basis only
(:mod:`pipeline.compare.honest`).

A turn a reviewer decided is known. Any other (turn, code) falls in one of four strata: the
machine coded it with a score at least ``review.near_margin`` above the threshold, or nearer
(each with its own probability of having the code, the machine's precision there), the machine
did not but its score came within ``review.near_margin`` of the threshold (the false-omission
rate near the threshold), or it did not and was farther (the false-omission rate far from it).
The uncertainty-sampled turns lie mostly near the thresholds; measured apart, their errors are
not applied to the far turns (selection on the margin is ignorable within a stratum; ADR 0030
for the misses, ADR 0036 for the coded side). Each
rate is per code, pulled towards the stratum's rate pooled over every code by
``review.prior_strength`` pseudo-turns (a code with few human-coded turns borrows from the
others). Turns are taken as independent within an interview, so an interview raises the code
with probability ``1 - prod over strata (1 - rate)^n`` (``n``: its unreviewed turns in the
stratum), or 1 when a reviewed turn has it. ``estimate`` is the sum over interviews; the
interval is the 2.5th-97.5th percentile of counts simulated with rates re-estimated on
human-coded interviews resampled with replacement (``review.bootstrap`` times, seeded).
Without a basis the machine's counts are unvalidated: ``estimate`` is the count, no interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import catalogue
from pipeline.agreement import coding_matrix
from pipeline.compare.honest import Basis, machine_coding
from pipeline.params import ReviewParams

PREVALENCE_COLUMNS = catalogue.columns("prevalence")
UNVALIDATED = "unvalidated machine codes"
KEYS = ["interview_id", "turn_index"]


def _positions(turns: pd.DataFrame) -> dict[tuple[str, int], int]:
    keys = zip(turns["interview_id"].astype(str), turns["turn_index"].astype(int))
    return {k: i for i, k in enumerate(dict.fromkeys(keys))}


def _shrunk(hits: np.ndarray, n: np.ndarray, pooled: float, strength: float) -> np.ndarray:
    """``(hits + strength * pooled) / (n + strength)``; the pooled rate where ``n`` is 0."""
    den = n + strength
    return np.divide(hits + strength * pooled, den, out=np.full(len(n), pooled), where=den > 0)


CODED, NEAR, FAR, CODED_NEAR = 0, 1, 2, 3  # the error strata of a (turn, code): see the module
STRATA = (CODED, NEAR, FAR, CODED_NEAR)


def _strata(
    turn_scores: pd.DataFrame,
    pos: dict[tuple[str, int], int],
    codes: list[str],
    machine: np.ndarray,
    near: float,
) -> np.ndarray:
    """Each (turn, code)'s stratum: coded far or near, not coded near or far (``near``)."""
    col = {c: j for j, c in enumerate(codes)}
    ts = turn_scores[turn_scores["code_id"].astype(str).isin(col)]
    keys = zip(ts["interview_id"].astype(str), ts["turn_index"].astype(int))
    rows = np.array([pos[k] for k in keys], dtype=np.int64)
    cols = ts["code_id"].astype(str).map(col).to_numpy(dtype=np.int64)
    margin = np.full(machine.shape, -np.inf)
    margin[rows, cols] = (ts["score"] - ts["threshold"]).to_numpy(dtype=np.float64)
    margin = np.nan_to_num(margin, nan=-np.inf)
    coded = np.where(margin < near, CODED_NEAR, CODED) if near > 0 else CODED
    return np.where(machine, coded, np.where(margin >= -near, NEAR, FAR)).astype(np.int8)


def _rates(
    strata: np.ndarray, human: np.ndarray, groups: np.ndarray, strength: float
) -> list[np.ndarray]:
    """Per stratum, each code's share of human-coded pairs with the code (rows ``groups``).

    The coded stratum's rate is the machine's precision (PPV); the others' its false-omission
    rate near and far from the threshold. Each is shrunk towards the stratum's pooled rate.
    """
    s, h = strata[groups], human[groups].astype(bool)
    out = []
    for q in STRATA:
        m = s == q
        hits, n = (m & h).sum(0), m.sum(0)
        pooled = (hits.sum() + 0.5) / (n.sum() + 1.0)
        out.append(np.clip(_shrunk(hits, n, pooled, strength), 0.0, 1.0 - 1e-12))
    return out


def _interview_probability(
    rates: list[np.ndarray], counts: list[np.ndarray], fixed: np.ndarray
) -> np.ndarray:
    """P(interview raises code) ``(interviews, codes)``: its unreviewed pairs per stratum."""
    log_none = np.zeros(fixed.shape)
    with np.errstate(divide="ignore"):
        for rate, n in zip(rates, counts):
            log_none += n * np.log1p(-rate)
    return np.where(fixed, 1.0, 1.0 - np.exp(log_none))


def _unvalidated(observed: np.ndarray, codes: Sequence[str], total: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_id": list(codes),
            "interviews": observed.astype("int64"),
            "interviews_total": np.full(len(codes), total, dtype="int64"),
            "estimate": observed.astype("float64"),
            "lower": np.nan,
            "upper": np.nan,
            "validated": False,
            "basis": UNVALIDATED,
        }
    )[list(PREVALENCE_COLUMNS)]


def prevalence(
    turn_scores: pd.DataFrame,
    turn_codes: pd.DataFrame,
    reviewed: pd.DataFrame | None,
    basis: Basis | None,
    codes: Sequence[str],
    params: ReviewParams,
) -> pd.DataFrame:
    """One row per code (``PREVALENCE_COLUMNS``, codebook order); see the module.

    Args:
        turn_scores: every (turn, code) with the machine's decision (``machine``).
        turn_codes: the codes after review (what the report counts).
        reviewed: turns whose codes a reviewer decided (known, not estimated).
        basis: the honest basis, or ``None`` (unvalidated).
        codes: the codebook's leaf code ids.
        params: ``review.bootstrap``, ``review.seed``, ``review.prior_strength``.
    """
    codes = list(codes)
    pos = _positions(turn_scores)
    interview = np.array([k[0] for k in pos], dtype=object)
    ivs, iv_of = np.unique(interview, return_inverse=True)
    final = coding_matrix(turn_codes, pos, codes, dtype=bool)
    observed = np.zeros((len(ivs), len(codes)), dtype=bool)
    np.logical_or.at(observed, iv_of, final)
    if basis is None:
        return _unvalidated(observed.sum(0), codes, len(ivs))
    machine = coding_matrix(machine_coding(turn_scores), pos, codes, dtype=bool)
    known = np.zeros(len(pos), dtype=bool)
    if reviewed is not None:
        for k in zip(reviewed["interview_id"].astype(str), reviewed["turn_index"].astype(int)):
            if k in pos:
                known[pos[k]] = True
    fixed = np.zeros_like(observed)
    np.logical_or.at(fixed, iv_of[known], final[known])
    strata = _strata(turn_scores, pos, codes, machine, params.near_margin)
    counts = []
    for q in STRATA:
        n_q = np.zeros(observed.shape)
        np.add.at(n_q, iv_of[~known], strata[~known] == q)
        counts.append(n_q)
    rows, b_human = _human_coded(basis, pos, codes, final, known)
    b_strata = strata[rows]
    b_iv = np.unique(interview[rows], return_inverse=True)[1]
    rates = _rates(b_strata, b_human, np.arange(len(rows)), params.prior_strength)
    estimate = _interview_probability(rates, counts, fixed).sum(0)
    lower, upper = _interval(b_strata, b_human, b_iv, (counts, fixed), params)
    return pd.DataFrame(
        {
            "code_id": codes,
            "interviews": observed.sum(0).astype("int64"),
            "interviews_total": np.full(len(codes), len(ivs), dtype="int64"),
            "estimate": np.round(estimate, 2),
            "lower": lower,
            "upper": upper,
            "validated": True,
            "basis": f"{basis.description}; per-code precision and recall on {len(rows)} "
            f"human-coded turns, bootstrap over {b_iv.max() + 1 if len(b_iv) else 0} interviews",
        }
    )[list(PREVALENCE_COLUMNS)]


def _human_coded(
    basis: Basis,
    pos: dict[tuple[str, int], int],
    codes: list[str],
    final: np.ndarray,
    known: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The human-coded turns' rows and codes: the basis's turns, then every reviewed turn's.

    A reviewed turn's human codes are its final codes (the review replaced the machine's).
    """
    in_basis = np.zeros(len(pos), dtype=bool)
    for k in _positions(basis.turns):
        if k in pos:
            in_basis[pos[k]] = True
    human = coding_matrix(basis.reference, pos, codes, dtype=bool)
    human = np.where(in_basis[:, None], human, final)
    rows = np.flatnonzero(in_basis | known)
    return rows, human[rows]


def _interval(
    b_strata: np.ndarray,
    b_human: np.ndarray,
    b_iv: np.ndarray,
    counts: tuple[list[np.ndarray], np.ndarray],
    params: ReviewParams,
) -> tuple[np.ndarray, np.ndarray]:
    """2.5th and 97.5th percentiles of simulated counts (rates bootstrapped over interviews)."""
    per_stratum, fixed = counts
    k = fixed.shape[1]
    if not params.bootstrap or not len(b_iv):
        return np.full(k, np.nan), np.full(k, np.nan)
    rng = np.random.default_rng(params.seed)
    members = [np.flatnonzero(b_iv == g) for g in range(b_iv.max() + 1)]
    sims = np.empty((params.bootstrap, k))
    for b in range(params.bootstrap):
        picked = rng.integers(0, len(members), size=len(members))
        rows = np.concatenate([members[g] for g in picked])
        rates = _rates(b_strata, b_human, rows, params.prior_strength)
        p = _interview_probability(rates, per_stratum, fixed)
        sims[b] = (rng.random(p.shape) < p).sum(0)
    lower, upper = np.percentile(sims, [2.5, 97.5], axis=0)
    return np.round(lower, 2), np.round(upper, 2)
