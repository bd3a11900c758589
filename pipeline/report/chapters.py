"""The report's body: theme chapters, themes beyond the codebook, recommendations, conclusions.

A theme chapter opens with its prevalence, then the evaluator's interpretation (when
given), then a paragraph per sub-theme (:func:`.paragraphs.subtheme_paragraph`: prevalence,
stance where reportable, a group difference only when it passes the documented rule) and
its quotes. No quote appears twice in the document (:attr:`DocContext.used_quotes`).
"""

from __future__ import annotations

from pipeline.report.candidates import missing_themes
from pipeline.report.doccontext import DocContext
from pipeline.report.front import suggestion_gloss
from pipeline.report.grammar import count_of, join_list, plural
from pipeline.report.model import Section
from pipeline.report.paragraphs import (
    NOT_COMPARED,
    finding_subject,
    small,
    stated_count,
    subtheme_paragraph,
)
from pipeline.report.prose import lower_first, noun_phrase, phrase


def _theme_opening(ctx: DocContext, theme: str) -> str:
    """The chapter's first sentence: ``Most interviewees (29 of 43) raised benefits: ...``."""
    k = ctx.count(theme)
    label = lower_first(ctx.codes.label(theme))
    subs = [c for c in ctx.codes.leaves_of[theme] if c != theme]
    if k == 0:
        return f"No {ctx.nouns.person} raised {label}."
    who = phrase(k, ctx.n, ctx.params.quantifiers, ctx.nouns.person)
    if not subs:
        return f"{who} raised {label}."
    if len(subs) == 1:
        return f"{who} raised {label}: the one sub-theme below."
    return f"{who} raised {label}: at least one of the {len(subs)} sub-themes below."


def theme_chapter(ctx: DocContext, theme: str, chapter: int) -> Section:
    """One chapter: its opening, the evaluator's interpretation, then each sub-theme."""
    sec = Section(f"theme-{theme}", f"{chapter}. {ctx.codes.label(theme)}")
    sec.add("paragraph", _theme_opening(ctx, theme))
    if text := ctx.section_text(f"theme:{theme}"):
        sec.add("markdown", text)
    limit = max(2, min(3, ctx.params.quotes_per_code))
    for c in ctx.sub_themes(theme):
        if ctx.count(c) == 0:
            continue
        if c != theme:
            sec.add("heading", ctx.codes.label(c))
        sec.add(
            "paragraph",
            subtheme_paragraph(ctx.subtheme(c), ctx.params.quantifiers, ctx.nouns.person),
        )
        for q in ctx.quotes(c, limit):
            sec.add("quote", quote=q)
    silent = [ctx.codes.label(c) for c in ctx.sub_themes(theme) if ctx.count(c) == 0]
    if silent:
        sec.add(
            "paragraph",
            f"No {ctx.nouns.person} described {join_list([noun_phrase(s) for s in silent], 'or')}.",
        )
    return sec


def beyond_codebook_section(ctx: DocContext, chapter: int) -> Section:
    """Themes beyond the codebook: the topic model's emergent topics.

    The place for anything the codebook may be missing (candidate codes are added here).
    """
    sec = Section("beyond-codebook", f"{chapter}. Themes beyond the codebook")
    emergent = ctx.tables["emergent_topics"]
    for line in missing_themes(ctx.inputs.topics is not None, emergent.frame, ctx.nouns):
        sec.add("paragraph", line)
    if not emergent.frame.empty:
        sec.add(
            "paragraph",
            f"Table {emergent.number} (appendix) gives each topic's keywords and a quote.",
        )
    return sec


def _audiences(ctx: DocContext, codes: list[str]) -> dict[str, list[str]]:
    """Stakeholder group -> the suggestions addressed to it (``audience`` in the codebook)."""
    order = list(ctx.evaluation.stakeholder_groups)
    named = {a for c in codes for a in ctx.codes.by_id[c].audience}
    out: dict[str, list[str]] = {}
    for group in [*order, *sorted(named - set(order))]:
        out[group] = [c for c in codes if group in ctx.codes.by_id[c].audience]
    return {g: cs for g, cs in out.items() if cs}


def _suggestion(ctx: DocContext, code_id: str) -> str:
    sub = ctx.subtheme(code_id)
    who = finding_subject(sub, ctx.params.quantifiers, ctx.nouns.person)
    return (
        f"{ctx.codes.label(code_id)}{suggestion_gloss(sub.gloss)}: suggested by {lower_first(who)}."
    )


def _by_who_raised(ctx: DocContext, codes: list[str], sec: Section) -> None:
    """Suggestions grouped by the group (role) of the interviewees who made them."""
    k = ctx.params.min_cell
    merged = [g for g in ctx.group_sizes if g in NOT_COMPARED or g.endswith(" and other")]
    for group, size in sorted(ctx.group_sizes.items()):
        if group in merged:
            continue
        items = []
        for c in codes:
            raised, _ = ctx.groups(c)[group]
            if raised:
                items.append(f"{ctx.codes.label(c)} ({small(raised, k)} of {size})")
        if items:
            sec.add(
                "heading", f"Suggested by the {group} group ({count_of(size, ctx.nouns.person)})"
            )
            sec.add("bullets", items=items)
    if merged:
        sec.add(
            "paragraph",
            ctx.nouns.sub(
                f"Roles with fewer than {k} interviewees are merged ({join_list(sorted(merged))}) "
                "and not shown by who made the suggestion."
            ),
        )


def recommendations_section(ctx: DocContext, chapter: int) -> Section:
    """The evaluation team's recommendations (verbatim), then interviewees' suggestions."""
    sec = Section("recommendations", f"{chapter}. Recommendations")
    if text := ctx.section_text("recommendations"):
        sec.add("heading", "The evaluation team's recommendations")
        sec.add("markdown", text)
    else:
        sec.add(
            "note",
            "The evaluation team's own recommendations go here: write them in a "
            "Markdown file and name it in evaluation.sections.recommendations.",
        )
    codes = [c for t in ctx.recommendation_themes for c in ctx.sub_themes(t) if ctx.count(c)]
    sec.add("heading", ctx.nouns.sub("Interviewees' suggestions"))
    if not codes:
        sec.add(
            "paragraph",
            ctx.nouns.sub(
                "The codebook has no recommendations theme, or no "
                "interviewee made a suggestion it covers."
            ),
        )
        return sec
    sec.add(
        "paragraph",
        ctx.nouns.sub(
            "These are the suggestions interviewees made, counted like the findings; they are "
            "interviewees' views, not the evaluation's recommendations."
        ),
    )
    for c in codes:
        sec.add("paragraph", _suggestion(ctx, c))
        for q in ctx.quotes(c, 1):
            sec.add("quote", quote=q)
    audiences = _audiences(ctx, codes)
    if audiences:
        sec.add(
            "paragraph",
            "By the stakeholder group each suggestion is addressed to (as the codebook names it):",
        )
        for group, cs in audiences.items():
            sec.add("heading", group)
            sec.add(
                "bullets", items=[f"{ctx.codes.label(c)} ({ctx.count(c)} of {ctx.n})" for c in cs]
            )
    else:
        _by_who_raised(ctx, codes, sec)
    return sec


def most_raised(
    ranked: list[str], stated: dict[str, tuple[int, str]], n: int = 3, most: int = 5
) -> tuple[list[str], str]:
    """The ``n`` most raised sub-themes, with every one tied with the last (up to ``most``).

    A tie at the cut is never broken by codebook order alone: up to ``most`` tied sub-themes
    are all named; beyond that, those above the tie are named and the tied ones counted.
    Returns the named sub-themes and what the sentence adds about the unnamed ones.
    """
    if len(ranked) <= n:
        return ranked, ""
    cut = stated[ranked[n - 1]][0]
    named = [c for c in ranked if stated[c][0] >= cut]
    if len(named) <= most:
        return named, ""
    above = [c for c in ranked if stated[c][0] > cut]
    tied = [c for c in ranked if stated[c][0] == cut]
    if not above:  # everything at the top ties: name the first n and count the rest
        return tied[:n], f", and {len(tied) - n} more sub-themes as widely"
    return above, f", then {len(tied)} sub-themes tied at {stated[tied[0]][1]}"


def conclusions_section(ctx: DocContext, chapter: int) -> Section:
    """The most and least widely raised sub-themes, then the evaluator's conclusions."""
    sec = Section("conclusions", f"{chapter}. Conclusions")
    leaves = [c for t in ctx.analytic_themes for c in ctx.sub_themes(t)]
    stated = {c: stated_count(ctx.subtheme(c)) for c in leaves}  # the findings' own numbers
    ranked = sorted(leaves, key=lambda c: (-stated[c][0], ctx.codes.order[c]))
    top, more = most_raised([c for c in ranked if ctx.count(c)], stated)
    if top:
        parts = [f"{noun_phrase(ctx.codes.label(c))} ({stated[c][1]})" for c in top]
        sec.add(
            "paragraph",
            ctx.nouns.sub(
                f"Across {count_of(len(ctx.analytic_themes), 'theme')}, the most widely raised "
                f"{plural('sub-theme', len(top))} {plural('was', len(top))} "
                f"{join_list(parts)}{more}."
            ),
        )
    rare = [lower_first(ctx.codes.label(c)) for c in ranked if ctx.count(c) == 1]
    if rare:
        sec.add("paragraph", f"Raised by a single {ctx.nouns.person} only: {join_list(rare)}.")
    if text := ctx.section_text("conclusions"):
        sec.add("markdown", text)
    else:
        sec.add(
            "note",
            "The evaluation team's conclusions go here: name a Markdown file in "
            "evaluation.sections.conclusions.",
        )
    return sec


def discussion_section(ctx: DocContext, chapter: int) -> Section | None:
    """The evaluator's discussion chapter, when one was named (verbatim)."""
    text = ctx.section_text("discussion")
    if not text:
        return None
    return Section("discussion", f"{chapter}. Discussion").add("markdown", text)
