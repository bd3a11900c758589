"""What the report's chapters share: the prepared inputs, tables and per-sub-theme numbers.

Every sentence of the document (:mod:`.front`, :mod:`.chapters`) is generated from a
:class:`DocContext`: the tables already built, the coded segments, the groups each interview
belongs to and the stance counts, so the prose and the tables cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from pipeline.params import EvaluationParams, ReportParams
from pipeline.report.codes import Codes
from pipeline.report.model import Inputs, Quote, Table
from pipeline.report.nouns import Nouns
from pipeline.report.paragraphs import SubTheme
from pipeline.report.prose import gloss, noun_phrase

RECOMMENDATION = ("recommend", "suggest")
#: a definition's first clause longer than this is not repeated in brackets after the label
MAX_GLOSS_WORDS = 20


@dataclass
class DocContext:
    """The inputs of every chapter (see the module docstring)."""

    inputs: Inputs
    interviews: pd.DataFrame
    coded: pd.DataFrame
    codes: Codes
    params: ReportParams
    evaluation: EvaluationParams
    tables: dict[str, Table]
    nouns: Nouns
    group_of: dict[str, str]  # interview -> its reported group (group_by, small ones merged)
    used_quotes: set[str] = field(default_factory=set)  # no quote twice in the document

    @property
    def n(self) -> int:
        """Interviews analysed."""
        return len(self.interviews)

    @cached_property
    def prevalence(self) -> pd.DataFrame:
        """The theme prevalence table, indexed by code id."""
        return self.tables["theme_prevalence"].frame.set_index("code_id")

    def count(self, code_id: str) -> int:
        """Interviews raising ``code_id`` (as the theme prevalence table gives it)."""
        return int(self.prevalence.at[code_id, "n_interviews"])

    @cached_property
    def group_sizes(self) -> dict[str, int]:
        """Reported group -> interviews in it."""
        return {str(k): int(v) for k, v in pd.Series(self.group_of).value_counts().items()}

    def groups(self, code_id: str) -> dict[str, tuple[int, int]]:
        """Reported group -> (interviews raising ``code_id``, group size)."""
        rows = self.coded[self.coded["code_id"] == code_id]
        ivs = rows["interview_id"].drop_duplicates()
        raised = ivs.map(self.group_of).value_counts()
        return {g: (int(raised.get(g, 0)), n) for g, n in sorted(self.group_sizes.items())}

    @cached_property
    def stance_reportable(self) -> bool:
        """The stance stage measured its accuracy and it reached ``stance.min_accuracy``."""
        return bool(self.inputs.stance_metrics.get("reportable")) and self.inputs.stance is not None

    def stance(self, code_id: str) -> dict[str, int] | None:
        """Interviews by stance towards ``code_id`` (those the report counts), when reportable."""
        if not self.stance_reportable:
            return None
        st = self.inputs.stance
        ivs = set(self.coded.loc[self.coded["code_id"] == code_id, "interview_id"])
        rows = st[(st["code_id"].astype(str) == code_id) & st["interview_id"].astype(str).isin(ivs)]
        return {str(k): int(v) for k, v in rows["stance"].astype(str).value_counts().items()}

    @cached_property
    def validated(self) -> bool:
        """Human codes (or review decisions) checked the machine codes."""
        return bool(self.inputs.agreement.get("human_codes"))

    def review_turns(self, code_id: str) -> int:
        """Turns coded with ``code_id`` (what a reviewer would check)."""
        sc = self.inputs.segment_codes
        rows = sc[sc["code_id"].astype(str) == code_id]
        if "turn_index" in rows.columns:
            return len(rows[["interview_id", "turn_index"]].drop_duplicates())
        return int(rows["segment_id"].nunique())

    @cached_property
    def estimates(self) -> dict[str, tuple[float, float, float]]:
        """Code id -> adjusted (share, lower, upper), 0-1, from the validated prevalence table.

        The table gives interviews (of ``interviews_total``); a code without an honest basis
        (``validated`` false) or an interval has none.
        """
        est = self.inputs.prevalence
        if est is None or est.empty:
            return {}
        out = {}
        for r in est[est["validated"].astype(bool)].itertuples():
            total = float(r.interviews_total)
            values = (r.estimate, r.lower, r.upper)
            if total > 0 and all(pd.notna(v) for v in values):
                out[str(r.code_id)] = tuple(float(v) / total for v in values)
        return out

    def subtheme(self, code_id: str) -> SubTheme:
        """The numbers behind ``code_id``'s paragraph."""
        code = self.codes.by_id[code_id]
        short = gloss(code.definition)
        return SubTheme(
            noun_phrase(code.label),
            short if len(short.split()) <= MAX_GLOSS_WORDS else "",
            self.count(code_id),
            self.n,
            groups=self.groups(code_id),
            estimate=self.estimates.get(code_id),
            stance=self.stance(code_id),
            validated=self.validated,
            review_turns=self.review_turns(code_id),
            min_cell=self.params.min_cell,
        )

    def quotes(self, code_id: str, limit: int | None = None) -> list[Quote]:
        """The quotes bank's quotes for ``code_id`` not used yet in the document (then used)."""
        bank = self.tables["quotes_bank"].frame
        out = []
        for r in bank[bank["code_id"] == code_id].sort_values("rank").itertuples():
            if r.quote in self.used_quotes:
                continue
            self.used_quotes.add(r.quote)
            out.append(Quote(r.quote, r.attribution, r.segment_id, code_id))
            if limit is not None and len(out) >= limit:
                break
        return out

    def is_recommendation(self, theme: str) -> bool:
        """A theme of recommendations: its id or label says so, or a sub-theme names an audience."""
        code = self.codes.by_id[theme]
        named = any(w in f"{code.id} {code.label}".lower() for w in RECOMMENDATION)
        leaves = self.codes.leaves_of[theme]
        return named or any(self.codes.by_id[c].audience for c in leaves)

    @cached_property
    def analytic_themes(self) -> list[str]:
        """Themes with a chapter of their own (every theme but the recommendations)."""
        return [t for t in self.codes.themes if not self.is_recommendation(t)]

    @cached_property
    def recommendation_themes(self) -> list[str]:
        """Themes of interviewees' suggestions."""
        return [t for t in self.codes.themes if self.is_recommendation(t)]

    def sub_themes(self, theme: str) -> list[str]:
        """``theme``'s sub-themes, most prevalent first (codebook order breaks ties)."""
        leaves = [c for c in self.codes.leaves_of[theme] if c != theme] or [theme]
        return sorted(leaves, key=lambda c: (-self.count(c), self.codes.order[c]))

    def section_text(self, place: str) -> str | None:
        """The evaluator's Markdown for ``place``, when one was named."""
        return self.inputs.sections.get(place)


def evaluation_of(inputs: Inputs) -> EvaluationParams:
    """The inputs' ``evaluation:`` block, or the defaults."""
    ev: Any = inputs.evaluation
    return ev if isinstance(ev, EvaluationParams) else EvaluationParams()
