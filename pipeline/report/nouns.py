"""What the report calls the things it counts: interviews, survey responses or focus groups.

The report counts cases (rows of the interviews table). Its wording is written for
interviews (``interview``, ``interviewee``); :func:`nouns_for` picks the nouns from the
interviews table's ``case_kind`` column (absent for transcript-only evaluations, so the
sample's report is unchanged) and :meth:`Nouns.sub` rewrites the report's own sentences.
A survey's cases are ``survey responses`` given by ``respondents``; focus groups split into
their participants (:mod:`.cases`), alone or with interviews, are ``participants``; a focus
group that could not be split counts once, as a ``focus group``; other mixes are ``cases``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_WORD = re.compile(r"\b([Ii]nterview(?:ee)?)(s?)\b")


@dataclass(frozen=True)
class Nouns:
    """The singular nouns for a case (``interview``) and for who it counts (``interviewee``)."""

    case: str = "interview"
    person: str = "interviewee"

    def sub(self, text: str) -> str:
        """``text`` with ``interview(s)`` and ``interviewee(s)`` replaced, capitals kept."""
        if self == INTERVIEWS:
            return text

        def repl(m: re.Match[str]) -> str:
            word = self.person if m.group(1).lower().endswith("ee") else self.case
            word += m.group(2)
            return word[:1].upper() + word[1:] if m.group(1)[0] == "I" else word

        return _WORD.sub(repl, text)


INTERVIEWS = Nouns()
SURVEY = Nouns("survey response", "respondent")
FOCUS_GROUPS = Nouns("focus group", "focus group")
PARTICIPANTS = Nouns("participant", "participant")
CASES = Nouns("case", "case")
_BY_KIND = {"interview": INTERVIEWS, "survey": SURVEY, "focus_group": FOCUS_GROUPS}


def nouns_for(interviews: pd.DataFrame) -> Nouns:
    """The nouns for the interviews table's cases (by its ``case_kind`` column, if any)."""
    if "case_kind" not in interviews.columns:
        return INTERVIEWS
    kinds = set(interviews["case_kind"].dropna().astype(str)) or {"interview"}
    if len(kinds) == 1 and (kind := next(iter(kinds))) in _BY_KIND:
        return _BY_KIND[kind]
    if "participant" in kinds and kinds <= {"participant", "interview"}:
        return PARTICIPANTS
    return CASES
