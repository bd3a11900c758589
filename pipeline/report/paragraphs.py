"""One paragraph per sub-theme: prevalence, uncertainty, stance and group differences.

Every clause is generated from numbers passed in (never invented), so a theme chapter can be
checked against its tables. Optional inputs appear only when given: an adjusted estimate with
an interval (from a validated prevalence table), stance counts, and whether any human codes
checked the machine codes. With an adjusted estimate the quantifier word follows the estimate
(the coded count is stated beside it), and a finding whose interval reaches two quantifier
words says so (:func:`finding_subject`, :func:`band_note`; ADR 0030). A difference between
groups (role, region) is stated only when it passes :func:`stated_difference`'s documented rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.params import Quantifier
from pipeline.report.grammar import counted_phrase, join_list, plural
from pipeline.report.prose import phrase, quantify

#: a group difference is stated only when both groups have at least this many interviews ...
MIN_GROUP = 3
#: ... and their shares differ by at least this much (absolute, 0-1)
MIN_DIFFERENCE = 0.3
#: merged remainders are never compared: "Other" is not a group anyone belongs to
NOT_COMPARED = ("Other", "All")


@dataclass
class SubTheme:
    """The numbers behind one sub-theme's paragraph (hand-built in tests, from tables in use)."""

    label: str
    gloss: str
    interviews: int
    total: int
    groups: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # group -> (k, n)
    estimate: tuple[float, float, float] | None = None  # share, lower, upper (0-1)
    stance: Mapping[str, int] | None = None  # positive/negative/mixed/neutral -> interviews
    validated: bool = False  # human codes checked the machine codes
    review_turns: int = 0  # turns coded with it, to review when not validated
    min_cell: int = 1  # a group count from 1 to min_cell - 1 is written "fewer than min_cell"


def stated_difference(
    groups: Mapping[str, tuple[int, int]],
    min_group: int = MIN_GROUP,
    min_difference: float = MIN_DIFFERENCE,
) -> tuple[str, str, float] | None:
    """The (higher, lower, difference) pair of groups worth stating, or None.

    Rule: among groups of at least ``min_group`` interviews, take the highest and lowest
    share of interviews raising the sub-theme; state it only when they differ by at least
    ``min_difference``. Merged remainders (``Other``, ``... and other``) are not compared.
    Ties are broken by group name, so the choice is deterministic.
    """
    shares = sorted(
        (
            (k / n, g)
            for g, (k, n) in groups.items()
            if n >= min_group and g not in NOT_COMPARED and not g.endswith(" and other")
        ),
        key=lambda t: (-t[0], t[1]),
    )
    if len(shares) < 2:
        return None
    (hi, g_hi), (lo, g_lo) = shares[0], shares[-1]
    if hi - lo < min_difference - 1e-12:
        return None
    return g_hi, g_lo, hi - lo


_STANCE_WORDS = {
    "positive": "positively",
    "negative": "negatively",
    "mixed": "with mixed views",
    "neutral": "neutrally",
}


def _stance_clause(stance: Mapping[str, int]) -> str:
    """The stance sentence: ``Of those who raised it, 20 spoke of it positively, ...``."""
    parts = [f"{int(stance[s])} {w}" for s, w in _STANCE_WORDS.items() if stance.get(s)]
    if not parts:
        return ""
    parts[0] = parts[0].replace(" ", " spoke of it ", 1)
    return f"Of those who raised it, {join_list(parts)}."


def small(k: int, min_cell: int) -> str:
    """``k`` as the report may print it: ``fewer than 3`` for a count from 1 to ``min_cell - 1``."""
    return f"fewer than {min_cell}" if 0 < k < min_cell else str(k)


def _counts(sub: SubTheme) -> tuple[int, int, int]:
    """The adjusted estimate and its interval as whole interviews."""
    assert sub.estimate is not None
    return tuple(round(v * sub.total) for v in sub.estimate)  # type: ignore[return-value]


def stated_count(sub: SubTheme) -> tuple[int, str]:
    """The count a finding states and its words: ``(27, "an estimated 27 of 43; 24 coded")``.

    The adjusted estimate where there is one (as :func:`finding_subject` states it), else the
    coded count (``(24, "24 of 43")``): the conclusions rank and quote the same numbers.
    """
    if sub.estimate is None:
        return sub.interviews, f"{sub.interviews} of {sub.total}"
    k = _counts(sub)[0]
    return k, f"an estimated {k} of {sub.total}; {sub.interviews} coded"


def finding_subject(sub: SubTheme, scale: Sequence[Quantifier], noun: str = "interviewee") -> str:
    """A finding's subject: ``Most interviewees (an estimated 27 of 43; 24 coded)``.

    With an adjusted estimate the quantifier is chosen from it (rounded to whole interviews)
    and the coded count follows; without one, the coded count as :func:`phrase` gives it.
    """
    if sub.estimate is None:
        return phrase(sub.interviews, sub.total, scale, noun)
    k = _counts(sub)[0]
    head = counted_phrase(quantify(k, sub.total, scale), k, sub.total, noun).rsplit(" (", 1)[0]
    return f"{head} (an estimated {k} of {sub.total}; {sub.interviews} coded)"


def uncertain_words(sub: SubTheme, scale: Sequence[Quantifier]) -> tuple[str, str] | None:
    """The quantifier words of the interval's two ends when they differ (else None)."""
    if sub.estimate is None:
        return None
    _, k_lo, k_hi = _counts(sub)
    words = quantify(k_lo, sub.total, scale), quantify(k_hi, sub.total, scale)
    return words if words[0] != words[1] else None


def band_note(sub: SubTheme, scale: Sequence[Quantifier]) -> str:
    """The interval sentence, flagging an interval that spans two quantifier words ("")."""
    if sub.estimate is None:
        return ""
    est, lo, hi = sub.estimate
    out = (
        f"Adjusted for coding error, the estimated share is {est:.0%} "
        f"(95% interval {lo:.0%} to {hi:.0%})."
    )
    if words := uncertain_words(sub, scale):
        out += f" The interval spans “{words[0]}” to “{words[1]}”: the quantifier is uncertain."
    return out


def subtheme_paragraph(
    sub: SubTheme, scale: Sequence[Quantifier], noun: str = "interviewee"
) -> str:
    """The paragraph for one sub-theme (see the module docstring for what it may say)."""
    gloss = f" ({sub.gloss})" if sub.gloss else ""
    out = [f"{finding_subject(sub, scale, noun)} described {sub.label}{gloss}."]
    out.append(band_note(sub, scale))
    diff = stated_difference(sub.groups)
    if diff is not None:
        g_hi, g_lo, _ = diff
        (k1, n1), (k2, n2) = sub.groups[g_hi], sub.groups[g_lo]
        m = sub.min_cell
        out.append(
            f"It was raised more often in the {g_hi} group ({small(k1, m)} of {n1}) than in "
            f"the {g_lo} group ({small(k2, m)} of {n2})."
        )
    if sub.stance:
        out.append(_stance_clause(sub.stance))
    if not sub.validated:
        out.append(
            "No one has checked this machine count yet: "
            f"{sub.review_turns} {plural('answer', sub.review_turns)} "
            f"{'was' if sub.review_turns == 1 else 'were'} coded with it."
        )
    return " ".join(s for s in out if s)
