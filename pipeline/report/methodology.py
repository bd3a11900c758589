"""The methodology and limitations chapter, generated from the inputs and the tables.

Sample achieved against planned, exclusions, anonymisation and the leak gate, how coding was
done and checked, agreement and uncertainty, stance, the group-difference rule, the
quantifier scale, and provenance (qualeval version, codebook, params hash, models).
"""

from __future__ import annotations

import re

from pipeline.report.doccontext import DocContext
from pipeline.report.grammar import count_of, join_list, plural
from pipeline.report.model import Section
from pipeline.report.paragraphs import MIN_DIFFERENCE, MIN_GROUP, small
from pipeline.report.prose import attribute_title, display_value, scale_note
from pipeline.report.summary import _validation_caveat
from pipeline.report.tables import excluded_note

GATE = (
    "Before the report was released, an automated check (the pipeline's leak gate) scanned it, "
    "and every other shareable output, for the names and identifiers the anonymisation "
    "replaced; a run in which it finds one fails and is not released."
)


def _grid(columns: list[str], rows: list[list[str]], caption: str) -> dict:
    """An unnumbered table as the renderers take it."""
    return {
        "key": re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-"),
        "number": "",
        "caption": caption,
        "note": "",
        "columns": columns,
        "rows": rows,
        "n_rows": len(rows),
        "shown_rows": len(rows),
    }


def sample_blocks(ctx: DocContext, sec: Section) -> None:
    """The sample achieved, against the planned sample when the params give one."""
    attr = ctx.params.group_by
    achieved = ctx.interviews[attr].map(display_value).value_counts()
    planned = ctx.evaluation.planned_sample
    k = ctx.params.min_cell
    sec.add(
        "paragraph",
        ctx.nouns.sub(
            f"{count_of(ctx.n, 'interview')} {plural('was', ctx.n)} analysed"
            + (f", against {sum(planned.values())} planned." if planned else ".")
        ),
    )
    if not planned:
        sec.add(
            "note",
            "Give the planned sample (evaluation.planned_sample: "
            f"{attribute_title(attr).lower()} -> number) to set the sample achieved "
            "against it.",
        )
        return
    groups = sorted(set(planned) | set(achieved.index))
    rows = [
        [g, str(planned.get(g, 0)) if g in planned else "—", small(int(achieved.get(g, 0)), k)]
        for g in groups
    ]
    rows.append(["Total", str(sum(planned.values())), str(ctx.n)])
    sec.add(
        "grid",
        grid=_grid(
            [attribute_title(attr), "Planned", "Achieved"], rows, "Sample planned and achieved"
        ),
    )


def _anonymisation(ctx: DocContext) -> str:
    rep = ctx.inputs.replacements
    done = (
        f" The anonymisation made {sum(rep.values())} replacements ("
        + join_list([f"{v} {k}" for k, v in sorted(rep.items())])
        + ")."
        if rep
        else ""
    )
    return (
        f"{_withdrawals(ctx.inputs.withdrawals)}"
        "Transcripts were anonymised before analysis: names of people, places, organisations "
        "and contact details were replaced with placeholders such as [Person 3] or "
        f"[Council A].{done}{_residual(ctx.inputs.residual)} {GATE} Quotes are attributed by "
        f"role and region only, and only where at least {ctx.params.attribution_min_group} "
        "interviewees share the attribution."
    )


def _withdrawals(counts: dict[str, int]) -> str:
    """What participants withdrew (ingest applies it before anything else), or ''."""
    if not counts:
        return ""
    n, m = counts.get("withdrawn_interviews", 0), counts.get("withdrawal_passages_struck", 0)
    if not n and not m:
        return "No withdrawals or requests to strike a passage were recorded. "
    parts = [f"{count_of(n, 'interview')} {plural('was', n)} withdrawn"] if n else []
    parts += [f"{count_of(m, 'passage')} {plural('was', m)} struck"] if m else []
    return f"At participants' request, {join_list(parts)} before analysis. "


_KINDS = {
    "email": "email address",
    "phone": "phone number",
    "postcode": "postcode",
    "ni_number": "NI number",
    "nhs_number": "NHS number",
    "handle": "social media handle",
    "person": "full name",
}


def _residual(counts: dict | None) -> str:
    """The residual-risk scan of the anonymised transcripts, in a sentence (or '')."""
    if not counts:
        return ""
    by_kind = counts.get("identifiers_by_kind") or {}
    found = (
        "no email address, phone number, postcode, NI or NHS number or social media handle"
        if not by_kind
        else join_list([count_of(int(n), _KINDS.get(k, k)) for k, n in sorted(by_kind.items())])
    )
    names, where = (
        int(counts.get("unknown_names", 0)),
        int(counts.get("interviews_with_findings", 0)),
    )
    unknown = (
        f"{count_of(names, 'capitalised name')} in {count_of(where, 'interview')} that no "
        f"list accounts for, which {plural('was', names)} listed for the evaluation team to check"
        if names
        else "no capitalised name left unaccounted for"
    )
    return (
        " A second, pattern-based check of the anonymised transcripts looked for identifiers "
        f"that no recogniser had found: it found {found}, and {unknown}."
    )


def _coding(ctx: DocContext) -> str:
    book = ctx.inputs.codebook
    sc = ctx.inputs.segment_codes
    coders = sorted({m for v in sc.get("method", []) for m in str(v).split("+") if m})
    name = f"“{book.name or 'unnamed'}”" + (f" (version {book.version})" if book.version else "")
    n_sub = len([c for c in ctx.codes.leaves if c not in ctx.codes.themes])
    return ctx.nouns.sub(
        f"Each interview was split into segments (sentences of the interviewees' answers) and "
        f"coded against the codebook {name}: {count_of(len(ctx.codes.themes), 'theme')} and "
        f"{count_of(n_sub, 'sub-theme')}"
        + (f", by the {join_list(coders)} {plural('coder', len(coders))}" if coders else "")
        + ". A theme counts every interview in which at least one segment was coded with "
        "the theme or one of its sub-themes."
    )


def _checking(ctx: DocContext) -> list[str]:
    ag = ctx.inputs.agreement
    out = []
    if ag.get("human_codes") and ag.get("micro_f1") is not None:
        crossed = "cross" in str(ag.get("basis", "")) + str(ag.get("basis_description", ""))
        how = (
            ", each interview scored by coders calibrated without it (cross-fitted)"
            if crossed
            else ""
        )
        out.append(
            f"The automatic codes were compared with human codes on "
            f"{ag.get('n_turns', '?')} turns{how}: micro F1 "
            f"{float(ag['micro_f1']):.2f}, macro kappa {float(ag.get('macro_kappa') or 0):.2f}. "
            "Read the counts as indicative: some segments are missed or miscoded."
        )
    out += _validation_caveat(ag)
    if ctx.estimates:
        out.append(
            "Where human checks allow, a sub-theme's quantifier word follows its count "
            "adjusted for coding error (the coded count is given beside it), its paragraph "
            "gives the adjusted share with a 95% interval, and a finding whose interval spans "
            "two quantifier words is flagged."
        )
    return out


def _stance(ctx: DocContext) -> str:
    m = ctx.inputs.stance_metrics
    if ctx.stance_reportable:
        return (
            f"Stance (whether interviewees spoke of an aspect positively or negatively) is "
            f"reported: its measured accuracy, {float(m['accuracy']):.2f}, reaches the "
            f"{float(m.get('min_accuracy', 0)):.2f} required."
        )
    if m.get("accuracy") is not None:
        return (
            f"Stance is not reported: its measured accuracy against human labels, "
            f"{float(m['accuracy']):.2f}, is below the {float(m.get('min_accuracy', 0)):.2f} "
            "the report requires."
        )
    return (
        "Stance (whether interviewees spoke of an aspect positively or negatively) is not "
        "reported: its accuracy was not checked against an evaluator's own judgements."
    )


def _rules(ctx: DocContext) -> list[str]:
    return [
        f"A difference between {attribute_title(ctx.params.group_by).lower()} groups is "
        f"stated only when both groups have at least {MIN_GROUP} interviews and their "
        f"shares differ by at least {MIN_DIFFERENCE * 100:.0f} percentage points; counts from 1 to "
        f"{ctx.params.min_cell - 1} are written as “fewer than {ctx.params.min_cell}”.",
        ctx.nouns.sub(scale_note(ctx.params.quantifiers)),
    ]


def provenance_grid(ctx: DocContext) -> dict:
    """Qualeval version, codebook, params hash and models, as a two-column table."""
    book = ctx.inputs.codebook
    items = [("Codebook", f"{book.name or '(unnamed)'}, version {book.version or '(none)'}")]
    items += list(ctx.inputs.provenance.items())
    return _grid(["Item", "Value"], [[k, v] for k, v in items], "Provenance")


def methodology_section(ctx: DocContext, chapter: int) -> Section:
    """The methodology and limitations chapter."""
    sec = Section("methodology", f"{chapter}. Methodology and limitations")
    sample_blocks(ctx, sec)
    if ctx.inputs.excluded:
        sec.add(
            "paragraph",
            ctx.nouns.sub(
                f"Interviews excluded before analysis: {excluded_note(ctx.inputs.excluded)}; "
                f"every count is of the {ctx.n} analysed."
            ),
        )
    if text := ctx.section_text("methodology"):
        sec.add("markdown", text)
    sec.add("paragraph", ctx.nouns.sub(_anonymisation(ctx)))
    sec.add("paragraph", _coding(ctx))
    for p in [*_checking(ctx), _stance(ctx), *_rules(ctx)]:
        sec.add("paragraph", ctx.nouns.sub(p))
    sec.add(
        "paragraph",
        ctx.nouns.sub(
            "Limitations: counts show how widely a theme was raised, not how strongly it was felt "
            "or how typical it is beyond the interviews; groups of fewer than "
            f"{ctx.params.min_cell} interviews are merged or suppressed, so some differences "
            "cannot be shown; and the interviewees' suggestions are their own, not the "
            "evaluation's recommendations."
        ),
    )
    sec.add("grid", grid=provenance_grid(ctx))
    return sec
