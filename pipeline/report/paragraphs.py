"""One paragraph per sub-theme: prevalence, uncertainty, stance and group differences.

Every clause is generated from numbers passed in (never invented), so a theme chapter can be
checked against its tables. Optional inputs appear only when given: an adjusted estimate with
an interval (from a validated prevalence table), stance counts, and whether any human codes
checked the machine codes. A difference between groups (role, region) is stated only when it
passes :func:`stated_difference`'s documented rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.params import Quantifier
from pipeline.report.grammar import count_of, join_list, plural
from pipeline.report.prose import phrase

#: a group difference is stated only when both groups have at least this many interviews ...
MIN_GROUP = 3
#: ... and their shares differ by at least this much (absolute, 0-1)
MIN_DIFFERENCE = 0.3


@dataclass
class SubTheme:
    """The numbers behind one sub-theme's paragraph (hand-built in tests, from tables in use)."""

    label: str
    gloss: str
    interviews: int
    total: int
    groups: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # group -> (k, n)
    estimate: tuple[float, float, float] | None = None  # share, lower, upper (0-1)
    stance: Mapping[str, int] | None = None  # positive/negative/mixed/neutral -> segments
    validated: bool = False  # human codes checked the machine codes
    review_turns: int = 0  # turns coded with it, to review when not validated


def stated_difference(
    groups: Mapping[str, tuple[int, int]],
    min_group: int = MIN_GROUP,
    min_difference: float = MIN_DIFFERENCE,
) -> tuple[str, str, float] | None:
    """The (higher, lower, difference) pair of groups worth stating, or None.

    Rule: among groups of at least ``min_group`` interviews, take the highest and lowest
    share of interviews raising the sub-theme; state it only when they differ by at least
    ``min_difference``. Ties are broken by group name, so the choice is deterministic.
    """
    shares = sorted(
        ((k / n, g) for g, (k, n) in groups.items() if n >= min_group),
        key=lambda t: (-t[0], t[1]),
    )
    if len(shares) < 2:
        return None
    (hi, g_hi), (lo, g_lo) = shares[0], shares[-1]
    if hi - lo < min_difference - 1e-12:
        return None
    return g_hi, g_lo, hi - lo


def _stance_clause(stance: Mapping[str, int]) -> str:
    order = ("positive", "negative", "mixed", "neutral")
    parts = [count_of(int(stance[s]), f"{s} segment") for s in order if stance.get(s)]
    return f"Of the coded segments, {join_list(parts)}." if parts else ""


def subtheme_paragraph(
    sub: SubTheme, scale: Sequence[Quantifier], noun: str = "interviewee"
) -> str:
    """The paragraph for one sub-theme (see the module docstring for what it may say)."""
    out = [f"{phrase(sub.interviews, sub.total, scale, noun)} described {sub.label} ({sub.gloss})."]
    if sub.estimate is not None:
        est, lo, hi = sub.estimate
        out.append(
            f"Adjusted for coding error, the estimated share is {est:.0%} "
            f"(95% interval {lo:.0%} to {hi:.0%})."
        )
    diff = stated_difference(sub.groups)
    if diff is not None:
        g_hi, g_lo, _ = diff
        (k1, n1), (k2, n2) = sub.groups[g_hi], sub.groups[g_lo]
        out.append(
            f"It was raised more often by {g_hi} ({k1} of {n1}) than by {g_lo} ({k2} of {n2})."
        )
    if sub.stance:
        out.append(_stance_clause(sub.stance))
    if not sub.validated:
        out.append(
            f"Counts are unvalidated machine codes; review {sub.review_turns} "
            f"{plural('turn', sub.review_turns)}."
        )
    return " ".join(s for s in out if s)
