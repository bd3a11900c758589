"""A small grammar for the report's generated prose: plurals, lists, dates and counts.

Every sentence the report writes from numbers goes through these helpers, so the wording
rules live (and are tested) in one place: "1 interview" / "2 interviews", "A, B and C",
"in March 2026" rather than "between 2026-03 and 2026-03", and "every interviewee (43)"
rather than "All interviewees (43 of 43)".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence

_IRREGULAR = {"person": "people", "child": "children", "is": "are", "was": "were", "has": "have"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def plural(noun: str, count: int) -> str:
    """``noun`` agreeing with ``count`` (``interview`` -> ``interviews``, ``person`` -> ``people``).

    Irregular plurals and the few verbs the templates use are listed; otherwise English rules
    for -y, -s, -x, -ch and -sh.
    """
    if count == 1:
        return noun
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def count_of(count: int, noun: str) -> str:
    """``3 interviews``, ``1 interview``."""
    return f"{count} {plural(noun, count)}"


def join_list(items: Sequence[str], conjunction: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C`` (no Oxford comma); empty for no items."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def month_name(value: str) -> str:
    """``2026-03`` -> ``March 2026``; any other text unchanged."""
    m = _MONTH.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return str(value)
    return f"{calendar.month_name[int(m.group(2))]} {m.group(1)}"


def date_range(first: str, last: str) -> str:
    """``in March 2026`` for one month, ``between March and May 2026`` or across years."""
    a, b = month_name(first), month_name(last)
    if a == b:
        return f"in {a}"
    ya, yb = a.rsplit(" ", 1), b.rsplit(" ", 1)
    if len(ya) == 2 and len(yb) == 2 and ya[1] == yb[1] and ya[1].isdigit():
        return f"between {ya[0]} and {b}"
    return f"between {a} and {b}"


def capitalise(text: str) -> str:
    """``text`` with its first letter upper-cased (the rest untouched)."""
    return text[:1].upper() + text[1:]


def counted_phrase(word: str, count: int, total: int, noun: str) -> str:
    """The subject of a finding: ``Most interviewees (29 of 43)``, ``Every interviewee (43)``.

    ``word`` is the quantifier (``most``); when ``count == total`` the sentence says "every"
    (or "both" for two) with the count alone, so it never reads "All interviewees (43 of 43)".
    """
    if total > 0 and count == total:
        if total == 1:
            return f"The one {noun} (1)"
        if total == 2:
            return f"Both {plural(noun, 2)} (2)"
        return f"Every {noun} ({total})"
    if count == 0:
        return f"No {noun} (0 of {total})"
    return f"{capitalise(word)} {plural(noun, count)} ({count} of {total})"


def verb(base: str, count: int) -> str:
    """Present-tense agreement for the few verbs the templates use (``was``/``were`` ...)."""
    if count == 1:
        return base
    return _IRREGULAR.get(base, base)
