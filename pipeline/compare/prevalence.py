"""How many interviews raise each code, with an adjusted estimate and a 95% interval.

Observed: ``interviews`` raise a code when any of their turns has it (after review). With an
honest basis (:mod:`pipeline.compare.honest`) the count is adjusted for the machine's
measured errors, on every human-coded turn: the basis and every reviewed turn (ADR 0030). The
machine's decision on a reviewed turn is cross-fitted (it never saw that turn's codes), so the
reviewed turns measure its errors without flattering it, and there are five times more of them
than of the random share. Agreement itself is still measured on the basis only
(:mod:`pipeline.compare.honest`).

A turn a reviewer decided is known. Any other (turn, code) falls in one of eight strata: the
machine coded it with a score at least ``review.near_margin`` above the threshold, or nearer
(each with its own probability of having the code, the machine's precision there), the machine
did not but its score came within ``review.near_margin`` of the threshold (the false-omission
rate near the threshold), or it did not and was farther (the false-omission rate far from it);
each of the four split by whether the machine coded the same code on *another* turn of the
same interview (ADR 0039). The uncertainty-sampled turns lie mostly near the thresholds;
measured apart, their errors are not applied to the far turns (selection on the margin is
ignorable within a stratum; ADR 0030 for the misses, ADR 0036 for the coded side). Each rate
is per code, pulled towards the stratum's rate pooled over every code by
``review.prior_strength`` pseudo-turns (a code with few human-coded turns borrows from the
others).

Interviews, not turns (ADR 0039): a coder often marks a code once per interview, so the turns
raising it are spread over the interviews more evenly than independent turns would be, and
``1 - prod(1 - rate)`` undercounts interviews. The *spread* ``a`` measures it on the
human-coded turns: pairs of them in the same interview that both have a code, over the pairs
expected from their rates (``a`` = 1: independent turns, 0: never two in one interview), pooled
over codes, one pseudo-pair towards 1, and never above 1 (the uncertainty batch's pairs, chosen
near the thresholds, overstate clustering). An interview's number of turns with the code is then
a mixture: with weight ``a`` independent turns, with ``1 - a`` the most spread count with the same
mean ``S`` (the sum of its unreviewed turns' rates), so it raises the code with probability
``1 - a prod(1 - rate) - (1 - a) max(0, 1 - S)``, or 1 when a reviewed turn has it. ``estimate``
is the sum over interviews; the interval is the 2.5th-97.5th percentile of counts simulated with
the rates and the spread re-estimated on human-coded interviews resampled with replacement
(``review.bootstrap`` times, seeded). Without a basis the machine's counts are unvalidated:
``estimate`` is the count, no interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
ELSEWHERE = 4  # added to a stratum when another turn of the interview is machine-coded with it
STRATA = tuple(range(2 * ELSEWHERE))


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


def _in_context(strata: np.ndarray, machine: np.ndarray, iv_of: np.ndarray) -> np.ndarray:
    """``strata`` + ``ELSEWHERE`` where another turn of the interview is machine-coded with it."""
    per_interview = np.zeros((iv_of.max() + 1 if len(iv_of) else 0, machine.shape[1]))
    np.add.at(per_interview, iv_of, machine)
    elsewhere = per_interview[iv_of] - machine > 0
    return (strata + ELSEWHERE * elsewhere).astype(np.int8)


@dataclass(frozen=True)
class _Evidence:
    """The human-coded turns summed per interview (``g``), stratum (``q``) and code (``c``)."""

    turns: np.ndarray  # (g, q, c) human-coded turns
    hits: np.ndarray  # (g, q, c) of those with the code
    pairs: np.ndarray  # (g, c) ordered pairs of them both with the code: k (k - 1)

    @classmethod
    def of(cls, strata: np.ndarray, human: np.ndarray, iv: np.ndarray) -> _Evidence:
        """From the human-coded rows' strata, human codes and interview numbers."""
        shape = (iv.max() + 1 if len(iv) else 0, len(STRATA), strata.shape[1])
        turns, hits, k = np.zeros(shape), np.zeros(shape), np.zeros((shape[0], shape[2]))
        for q in STRATA:
            np.add.at(turns[:, q], iv, strata == q)
            np.add.at(hits[:, q], iv, (strata == q) & human)
        np.add.at(k, iv, human)
        return cls(turns, hits, k * (k - 1))

    def fit(self, weight: np.ndarray, strength: float) -> tuple[np.ndarray, float]:
        """Rates ``(q, c)`` and the spread, with each interview counted ``weight`` times.

        A stratum's rate is each code's share of human-coded pairs with the code (the coded
        strata: the machine's precision; the others: its false-omission rate), shrunk towards
        the stratum's pooled rate. The spread: observed over expected same-interview pairs.
        """
        turns = np.tensordot(weight, self.turns, 1)
        hits = np.tensordot(weight, self.hits, 1)
        rates = np.empty(turns.shape)
        for q in STRATA:
            pooled = (hits[q].sum() + 0.5) / (turns[q].sum() + 1.0)
            rates[q] = np.clip(_shrunk(hits[q], turns[q], pooled, strength), 0.0, 1.0 - 1e-12)
        mean = np.einsum("gqc,qc->gc", self.turns, rates)
        square = np.einsum("gqc,qc->gc", self.turns, rates**2)
        expected = float(weight @ (mean**2 - square).sum(1))
        observed = float(weight @ self.pairs.sum(1))
        return rates, min(1.0, (observed + 1.0) / (expected + 1.0))


def _interview_probability(
    rates: np.ndarray, spread: float, counts: np.ndarray, fixed: np.ndarray
) -> np.ndarray:
    """P(interview raises code) ``(interviews, codes)`` from its unreviewed pairs per stratum.

    ``counts``: ``(q, interviews, codes)``. A mixture of independent turns (weight ``spread``)
    and the most spread count with the same mean (``P(none) = max(0, 1 - mean)``).
    """
    mean = np.einsum("qic,qc->ic", counts, rates)
    with np.errstate(divide="ignore"):
        independent = np.exp(np.einsum("qic,qc->ic", counts, np.log1p(-rates)))
    none = spread * independent + (1.0 - spread) * np.clip(1.0 - mean, 0.0, 1.0)
    return np.where(fixed, 1.0, 1.0 - none)


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


def _known(reviewed: pd.DataFrame | None, pos: dict[tuple[str, int], int]) -> np.ndarray:
    """Rows of the turns a reviewer decided."""
    known = np.zeros(len(pos), dtype=bool)
    if reviewed is not None:
        for k in zip(reviewed["interview_id"].astype(str), reviewed["turn_index"].astype(int)):
            if k in pos:
                known[pos[k]] = True
    return known


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
    known = _known(reviewed, pos)
    fixed = np.zeros_like(observed)
    np.logical_or.at(fixed, iv_of[known], final[known])
    strata = _strata(turn_scores, pos, codes, machine, params.near_margin)
    strata = _in_context(strata, machine, iv_of)
    counts = np.zeros((len(STRATA), *observed.shape))
    for q in STRATA:
        np.add.at(counts[q], iv_of[~known], strata[~known] == q)
    rows, b_human = _human_coded(basis, pos, codes, final, known)
    b_iv = np.unique(interview[rows], return_inverse=True)[1]
    evidence = _Evidence.of(strata[rows], b_human.astype(bool), b_iv)
    rates, spread = evidence.fit(np.ones(len(evidence.pairs)), params.prior_strength)
    estimate = _interview_probability(rates, spread, counts, fixed).sum(0)
    lower, upper = _interval(evidence, (counts, fixed), params)
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
            f"human-coded turns, turns per interview spread {spread:.2f} (1: independent), "
            f"bootstrap over {len(evidence.pairs)} interviews",
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
    evidence: _Evidence, counts: tuple[np.ndarray, np.ndarray], params: ReviewParams
) -> tuple[np.ndarray, np.ndarray]:
    """2.5th and 97.5th percentiles of simulated counts (rates bootstrapped over interviews)."""
    per_stratum, fixed = counts
    k, g = fixed.shape[1], len(evidence.pairs)
    if not params.bootstrap or not g:
        return np.full(k, np.nan), np.full(k, np.nan)
    rng = np.random.default_rng(params.seed)
    sims = np.empty((params.bootstrap, k))
    for b in range(params.bootstrap):
        weight = np.bincount(rng.integers(0, g, size=g), minlength=g).astype(np.float64)
        rates, spread = evidence.fit(weight, params.prior_strength)
        p = _interview_probability(rates, spread, per_stratum, fixed)
        sims[b] = (rng.random(p.shape) < p).sum(0)
    lower, upper = np.percentile(sims, [2.5, 97.5], axis=0)
    return np.round(lower, 2), np.round(upper, 2)
