"""The report's prose sections.

The introduction, the executive summary (one section per theme, every sentence generated
from the tables) and the emergent topics summary.
"""

from __future__ import annotations

import pandas as pd

from pipeline.params import ReportParams
from pipeline.report.codes import Codes
from pipeline.report.grammar import count_of, date_range
from pipeline.report.model import Inputs, Quote, ThemeSummary
from pipeline.report.nouns import INTERVIEWS, Nouns
from pipeline.report.prose import (
    attribute_title,
    display_value,
    gloss,
    lower_first,
    noun_phrase,
    phrase,
)
from pipeline.report.tables import TOPICS_NOT_RUN, table_number


def _headline(
    t: str, k: int, n: int, leaves: list[str], codes: Codes, params: ReportParams, person: str
):
    label = codes.label(t)
    if k == 0:
        return f"No {person} described any {lower_first(label)} theme."
    if leaves:
        which = "the one sub-theme" if len(leaves) == 1 else f"at least one of the {len(leaves)}"
        return (
            f"{phrase(k, n, params.quantifiers, person)} described {which}"
            f"{'' if len(leaves) == 1 else ' sub-themes'} of {noun_phrase(label)}."
        )
    return (
        f"{phrase(k, n, params.quantifiers, person)} described {noun_phrase(label)} "
        f"({gloss(codes.by_id[t].definition)})."
    )


def _summary_quotes(quotes: pd.DataFrame, ranked: list[str], params: ReportParams) -> list[Quote]:
    """One quote per key finding in turn (its best first), until ``summary_quotes``."""
    pools = [quotes[quotes["code_id"] == c] for c in ranked]
    out: list[Quote] = []
    used: set[str] = set()
    for rank in range(params.quotes_per_code):
        for c, pool in zip(ranked, pools):
            if len(out) >= params.summary_quotes:
                break
            q = pool[(pool["rank"] > rank) & ~pool["segment_id"].isin(used)]
            if not q.empty:
                r = q.iloc[0]
                out.append(Quote(r["quote"], r["attribution"], r["segment_id"], c))
                used.add(r["segment_id"])
    return out


def executive_summary(
    prevalence: pd.DataFrame,
    quotes: pd.DataFrame,
    codes: Codes,
    n: int,
    params: ReportParams,
    nouns: Nouns = INTERVIEWS,
) -> list[ThemeSummary]:
    """Key findings per theme: sentences from theme prevalence, quotes from the quotes bank."""
    scale = params.quantifiers
    prev = prevalence.set_index("code_id")
    out = []
    for t in codes.themes:
        k = int(prev.at[t, "n_interviews"])
        leaves = [c for c in codes.leaves_of[t] if c != t]
        headline = _headline(t, k, n, leaves, codes, params, nouns.person)
        summary = ThemeSummary(t, codes.label(t), headline)
        ranked = sorted(
            (c for c in leaves if int(prev.at[c, "n_interviews"]) >= params.min_finding_interviews),
            key=lambda c: (-int(prev.at[c, "n_interviews"]), codes.order[c]),
        )[: params.findings_per_theme]
        for c in ranked:
            kc = int(prev.at[c, "n_interviews"])
            summary.findings.append(
                f"{phrase(kc, n, scale, nouns.person)} described {noun_phrase(codes.label(c))} "
                f"({gloss(codes.by_id[c].definition)})."
            )
        summary.quotes = _summary_quotes(quotes, ranked, params)
        out.append(summary)
    return out


def topic_list(topics: pd.DataFrame, nouns: Nouns = INTERVIEWS) -> str:
    """``“label” (3 interviews); “label” (1 interview)``, in the frame's order."""
    return "; ".join(
        f"“{r.label}” "
        + nouns.sub(f"({r.n_interviews} interview{'s' if r.n_interviews != 1 else ''})")
        for r in topics.itertuples()
    )


def topics_summary(
    topics_ran: bool, emergent: pd.DataFrame, nouns: Nouns = INTERVIEWS
) -> list[str]:
    """The emergent topics in a sentence, from the emergent topics table."""
    if not topics_ran:
        return [TOPICS_NOT_RUN]
    if emergent.empty:
        return [
            "The topic model found no emergent topics: every topic it found is "
            "covered by a code of the codebook."
        ]
    labels = topic_list(emergent, nouns)
    n = len(emergent)
    return [
        f"The topic model found {n} emergent topic{'s' if n != 1 else ''} that the "
        f"codebook does not cover well: {labels}."
    ]


def _validation_caveat(agreement: dict) -> list[str]:
    """Without any human check, say so plainly and say how many turns to review."""
    if agreement.get("human_codes"):
        return []
    proposed = int(agreement.get("proposed_turns") or 0)
    ask = (
        " Before relying on them, the evaluation team should review the "
        f"{proposed} answer{'s' if proposed != 1 else ''} the review sheet proposes (in its "
        "researcher files, most informative first): the decisions then replace the machine's "
        "codes and agreement is measured on a random share of them."
        if proposed
        else ""
    )
    return [
        "No human coder has checked these codes: every count in this report is an "
        "unvalidated machine count." + ask
    ]


def report_intro(
    inputs: Inputs, interviews: pd.DataFrame, params: ReportParams, nouns: Nouns = INTERVIEWS
) -> list[str]:
    """The opening paragraphs: the sample, the codebook, agreement, and the evidence trail."""
    iv = interviews
    n = len(iv)
    months = sorted(v for v in iv.get("interview_month", pd.Series(dtype=str)).dropna().astype(str))
    roles = iv[params.group_by].map(display_value).nunique()
    attr_word = attribute_title(params.group_by).lower()
    intro = [
        nouns.sub(
            f"This report summarises {n} anonymised interview{'s' if n != 1 else ''} covering "
            + count_of(roles, ("different " if roles != 1 else "") + attr_word)
            + (f", conducted {date_range(months[0], months[-1])}" if months else "")
        )
        + ". Themes were coded automatically with the codebook "
        f"“{inputs.codebook.name or 'unnamed'}”"
        + (f" (version {inputs.codebook.version})" if inputs.codebook.version else "")
        + nouns.sub(
            "; a count is the number of interviews in which at least one segment was coded "
            "with the theme."
        ),
    ]
    if inputs.excluded:
        k = sum(inputs.excluded.values())
        intro.append(
            f"{k} further interview{'s were' if k != 1 else ' was'} excluded before analysis "
            f"(Table {table_number('methods')}); every count and share here is of the {n} "
            "analysed."
        )
    ag = inputs.agreement
    if ag.get("human_codes") and ag.get("micro_f1") is not None:
        intro.append(
            f"Automatic codes agreed with human codes on {ag.get('n_turns', '?')} turns with "
            f"micro F1 {float(ag['micro_f1']):.2f} and macro kappa "
            f"{float(ag.get('macro_kappa') or 0):.2f} (Table {table_number('methods')}): "
            "read the counts as indicative."
        )
    intro += _validation_caveat(ag)
    intro.append(
        f"Every figure can be traced to the segments behind it (Table {table_number('evidence')}); "
        "quotes are anonymised and attributed by role and region only."
    )
    return intro
