"""The report's front chapters: title page, executive summary, introduction and aims.

Every sentence is generated from the tables and the ``evaluation:`` block through
:mod:`.grammar`; a section that needs a field the block lacks says which to add.
"""

from __future__ import annotations

import re

from pipeline.report.doccontext import DocContext
from pipeline.report.grammar import capitalise, date_range, join_list
from pipeline.report.model import Section, TitlePage
from pipeline.report.paragraphs import finding_subject, uncertain_words
from pipeline.report.prose import lower_first
from pipeline.report.summary import report_intro

#: labels of themes whose sub-themes are areas for development when stance is not reportable
DEVELOPMENT = re.compile(
    r"challeng|barrier|difficult|problem|concern|risk|\bgaps?\b|weakness|capacity", re.I
)
#: labels of sub-themes (of other themes) that name a difficulty; stricter than DEVELOPMENT:
#: "Supportive but challenging ethos" or "Support for councils in difficulty" are not one
SUB_DEVELOPMENT = re.compile(
    r"\b(?:barriers?|problems?|concerns?|risks?|gaps?|weakness(?:es)?|capacity)\b", re.I
)


def title_page(ctx: DocContext, title: str) -> TitlePage:
    """The title page: title, subtitle, programme, commissioner, evaluator, date, fieldwork."""
    ev = ctx.evaluation
    lines = [
        f"Programme: {ev.programme}" if ev.programme else "",
        f"Commissioned by {ev.commissioner}" if ev.commissioner else "",
        f"Evaluation by {ev.evaluator}" if ev.evaluator else "",
        capitalise(f"fieldwork {fieldwork(ctx)}") if fieldwork(ctx) else "",
        ev.date,
    ]
    return TitlePage(title, ev.subtitle, [line for line in lines if line])


def fieldwork(ctx: DocContext) -> str:
    """``in March 2026`` / ``between October 2024 and February 2025`` (params, else the data)."""
    ev = ctx.evaluation
    months = (
        sorted(v for v in ctx.interviews.get("interview_month", []).dropna().astype(str) if v)
        if "interview_month" in ctx.interviews.columns
        else []
    )
    first = ev.fieldwork_start or (months[0] if months else "")
    last = ev.fieldwork_end or (months[-1] if months else first)
    return date_range(first, last) if first else ""


def _finding(ctx: DocContext, code_id: str) -> str:
    """One sentence: quantifier, count and the sub-theme (its gloss in brackets)."""
    sub = ctx.subtheme(code_id)
    who = finding_subject(sub, ctx.params.quantifiers, ctx.nouns.person)
    return f"{who} described {sub.label}" + (f" ({sub.gloss})." if sub.gloss else ".")


def uncertain_note(ctx: DocContext, codes: list[str]) -> str:
    """One sentence after the summary's findings: how many have a quantifier left open.

    Said once, not after every bullet: a 95% interval over a few dozen interviews often
    spans two words, and a flag on each line buries the findings (each sub-theme's section
    gives its own interval).
    """
    scale = ctx.params.quantifiers
    n = sum(uncertain_words(ctx.subtheme(c), scale) is not None for c in dict.fromkeys(codes))
    if not n:
        return ""
    of = f"{n} of these {len(dict.fromkeys(codes))} findings"
    return (
        f"For {of}, the 95% interval of the estimate spans two quantifier words (for example "
        "“some” and “many”): read the word as approximate. The section on each sub-theme "
        "gives its interval."
    )


def key_finding_codes(ctx: DocContext) -> list[str]:
    """The most prevalent sub-themes of each analytic theme (``findings_per_theme`` each)."""
    out = []
    for theme in ctx.analytic_themes:
        if theme in development_themes(ctx):
            continue
        skip = set(development_subthemes(ctx))
        out += [
            c
            for c in ctx.sub_themes(theme)
            if ctx.count(c) >= ctx.params.min_finding_interviews and c not in skip
        ][: ctx.params.findings_per_theme]
    return out


def key_findings(ctx: DocContext) -> list[str]:
    """One sentence for each of :func:`key_finding_codes`."""
    return [_finding(ctx, c) for c in key_finding_codes(ctx)]


def development_themes(ctx: DocContext) -> list[str]:
    """Themes read as areas for development: their label names a difficulty (``DEVELOPMENT``)."""
    return [t for t in ctx.analytic_themes if DEVELOPMENT.search(ctx.codes.label(t))]


def development_subthemes(ctx: DocContext) -> list[str]:
    """Sub-themes of other themes whose own label names a difficulty ("Barriers to access")."""
    dev = development_themes(ctx)
    return [
        c
        for t in ctx.analytic_themes
        if t not in dev
        for c in ctx.sub_themes(t)
        if c != t and SUB_DEVELOPMENT.search(ctx.codes.label(c))
    ]


def development_codes(ctx: DocContext) -> list[str]:
    """The sub-themes of the areas for development: difficulties, then negative stance."""
    codes = []
    for theme in development_themes(ctx):
        codes += ctx.sub_themes(theme)[: ctx.params.findings_per_theme]
    codes += development_subthemes(ctx)
    if ctx.stance_reportable:
        for theme in ctx.analytic_themes:
            for c in ctx.sub_themes(theme):
                st = ctx.stance(c) or {}
                if c not in codes and st.get("negative", 0) > st.get("positive", 0):
                    codes.append(c)
    return [c for c in codes if ctx.count(c) >= ctx.params.min_finding_interviews]


def areas_for_development(ctx: DocContext) -> list[str]:
    """Difficulties raised, negative stance where reportable, and the most-made suggestions."""
    out = [_finding(ctx, c) for c in development_codes(ctx)]
    for theme in ctx.recommendation_themes:
        for c in ctx.sub_themes(theme)[: ctx.params.findings_per_theme]:
            if ctx.count(c) >= ctx.params.min_finding_interviews:
                sub = ctx.subtheme(c)
                who = finding_subject(sub, ctx.params.quantifiers, ctx.nouns.person)
                out.append(f"{capitalise(sub.label)}: suggested by {lower_first(who)}.")
    return out


_CALLS = re.compile(r"^(?:calls?|suggestions?|proposals?)\s+(?:for|to)\s+", re.I)


def suggestion_gloss(text: str) -> str:
    """`` (training, preparation or accreditation ...)``: the gloss without "calls for"."""
    rest = _CALLS.sub("", text).strip()
    return f" ({rest})" if rest else ""


def executive_summary_section(ctx: DocContext) -> Section:
    """Key findings and areas for development, one sentence each with quantifier and count."""
    sec = Section("executive-summary", "Executive summary")
    if text := ctx.section_text("executive_summary"):
        sec.add("markdown", text)
    sec.add("paragraph", _scope(ctx))
    sec.add("heading", "Key findings")
    sec.add("bullets", items=key_findings(ctx) or ["No sub-theme reached the threshold."])
    dev = areas_for_development(ctx)
    if dev:
        sec.add("heading", "Areas for development")
        sec.add("bullets", items=dev)
    if note := uncertain_note(ctx, key_finding_codes(ctx) + development_codes(ctx)):
        sec.add("paragraph", note)
    if not ctx.validated:
        sec.add(
            "paragraph",
            "No human coder has checked these codes: every count is an unvalidated machine "
            "count (see the methodology).",
        )
    return sec


def _scope(ctx: DocContext) -> str:
    """The introduction's first paragraph (what was analysed, when, with which codebook)."""
    first = report_intro(ctx.inputs, ctx.interviews, ctx.params, ctx.nouns)[0]
    what = ctx.evaluation.programme
    return first + (f" The evaluation is of {what}." if what else "")


def introduction_section(ctx: DocContext, chapter: int) -> Section:
    """Introduction and aims: the programme, the aims, the research questions one by one."""
    ev = ctx.evaluation
    sec = Section("introduction", f"{chapter}. Introduction and aims")
    who = f", commissioned by {ev.commissioner}" if ev.commissioner else ""
    if ev.programme:
        sec.add(
            "paragraph",
            f"This report presents the findings of an evaluation of {ev.programme}{who}.",
        )
    else:
        sec.add(
            "note",
            "Name the programme and who commissioned the evaluation "
            "(evaluation.programme, evaluation.commissioner in params.yaml).",
        )
    if ev.aims:
        sec.add("paragraph", "The evaluation aimed to:")
        sec.add("bullets", items=[lower_first(a).rstrip(".") + "." for a in ev.aims])
    else:
        sec.add("note", "State the evaluation's aims (evaluation.aims in params.yaml).")
    if text := ctx.section_text("introduction"):
        sec.add("markdown", text)
    sec.blocks += research_questions(ctx)
    return sec


def research_questions(ctx: DocContext) -> list:
    """Each research question, then the findings of the codes named as answering it."""
    rqs = ctx.evaluation.research_questions
    if not rqs:
        return (
            Section("", "")
            .add(
                "note",
                "List the research questions (evaluation.research_questions in params.yaml), each "
                "with the codes that answer it, to have them answered here one by one.",
            )
            .blocks
        )
    sec = Section("", "").add(
        "paragraph", ctx.nouns.sub("The research questions, and what the interviews said on each:")
    )
    for i, rq in enumerate(rqs, start=1):
        sec.add("paragraph", f"Research question {i}: {rq.question}")
        known = [c for c in rq.codes if c in ctx.codes.by_id]
        if not known:
            sec.add(
                "note",
                f"Name the codes that answer it (evaluation.research_questions"
                f"[{i - 1}].codes) to have it answered here.",
            )
            continue
        leaves: list[str] = []
        for c in known:
            leaves += ctx.sub_themes(c) if c in ctx.codes.themes else [c]
        sec.add("bullets", items=[_finding(ctx, c) for c in dict.fromkeys(leaves)])
        labels = sorted({ctx.codes.label(ctx.codes.top[c]) for c in known})
        one = len(labels) == 1
        sec.add(
            "paragraph",
            f"The chapter{'' if one else 's'} on {join_list(labels)} "
            f"give{'s' if one else ''} the detail.",
        )
    return sec.blocks
