"""Building the whole report from its inputs (pure: no file is read or written)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.params import ReportParams
from pipeline.report.candidates import missing_themes
from pipeline.report.cases import relabel, split_focus_groups
from pipeline.report.codes import Codes, attach_text, coded_segments
from pipeline.report.doccontext import DocContext, evaluation_of
from pipeline.report.document import build_document
from pipeline.report.grammar import count_of
from pipeline.report.model import Inputs, Report, Section, Table
from pipeline.report.nouns import INTERVIEWS, Nouns, nouns_for
from pipeline.report.prose import attributions, scale_note
from pipeline.report.summary import executive_summary, report_intro
from pipeline.report.tables import TableContext, _prevalence_groups, build_tables

log = logging.getLogger(__name__)


def _prepare_interviews(
    interviews: pd.DataFrame, params: ReportParams
) -> tuple[pd.DataFrame, ReportParams]:
    """Interviews sorted by text id, and ``params`` without the columns the table lacks."""
    iv = interviews.copy()
    iv["interview_id"] = iv["interview_id"].astype(str)
    wanted = dict.fromkeys([*params.attribution, *params.crosstab_by, params.group_by])
    missing = [c for c in wanted if c not in iv.columns]
    if missing:
        log.warning(
            "interviews table has no column(s) %s (report.attribution, crosstab_by, group_by): "
            "left out of the report; add them to the metadata sheet and "
            "anonymise.metadata_columns to report them",
            ", ".join(missing),
        )
        params = params.model_copy(
            update={
                "attribution": [c for c in params.attribution if c in iv.columns],
                "crosstab_by": [c for c in params.crosstab_by if c in iv.columns],
            }
        )
        if params.group_by not in iv.columns:
            iv[params.group_by] = "All"
    iv = iv.sort_values("interview_id", kind="stable").reset_index(drop=True)
    if len(iv) == 0:
        raise QualevalError("interviews table: no interviews; run the pipeline on transcripts")
    return iv, params


def build_report(inputs: Inputs, params: ReportParams) -> Report:
    """Build every table and the executive summary (pure: no file is read or written).

    Metadata columns named in ``params`` that the interviews table lacks are left out (with
    a warning): the report covers what the metadata sheet recorded.

    Raises:
        QualevalError: when there are no interviews, or the coding does not match the
            codebook, the interviews or the segments.
    """
    people, case_of = split_focus_groups(inputs.interviews, inputs)
    iv, params = _prepare_interviews(people, params)
    nouns = nouns_for(iv)
    codes = Codes(inputs.codebook)
    coded = attach_text(coded_segments(inputs, codes), inputs.segments)
    coded = relabel(coded, inputs.segments, case_of)
    if case_of and inputs.topics:
        moved = {
            k: relabel(inputs.topics[k], inputs.segments, case_of)
            for k in ("topic_quotes", "segment_topics")
            if k in inputs.topics
        }
        inputs = replace(inputs, topics={**inputs.topics, **moved})
    attribution = attributions(iv, params.attribution, params.attribution_min_group)
    if nouns != INTERVIEWS:
        attribution = attribution.replace("Interviewee", nouns.sub("Interviewee"))
    tables = build_tables(TableContext(inputs, iv, coded, codes, attribution, params))
    tables = [reworded(t, nouns) for t in tables]
    frame = {t.key: t.frame for t in tables}
    evaluation = evaluation_of(inputs)
    title = evaluation.title or params.title or default_title(inputs.codebook.name, len(iv), nouns)
    ctx = DocContext(
        inputs,
        iv,
        coded,
        codes,
        params,
        evaluation,
        {t.key: t for t in tables},
        nouns,
        _prevalence_groups(iv, params)[0],
    )
    title_page, document = build_document(ctx, title)
    document = [reworded_section(sec, nouns) for sec in document]
    return Report(
        title=title,
        intro=report_intro(inputs, iv, params, nouns),
        themes=executive_summary(
            frame["theme_prevalence"], frame["quotes_bank"], codes, len(iv), params, nouns
        ),
        topics_summary=missing_themes(inputs.topics is not None, frame["emergent_topics"], nouns),
        tables=tables,
        evidence=frame["evidence"],
        scale_note=nouns.sub(scale_note(params.quantifiers)),
        document=document,
        title_page=title_page,
        stance=stance_by_subtheme(ctx),
    )


def reworded_section(sec: Section, nouns: Nouns) -> Section:
    """``sec`` in the report's own words for its cases (quotes and Markdown never rewritten)."""
    if nouns == INTERVIEWS:
        return sec
    blocks = []
    for b in sec.blocks:
        if b.kind == "grid" and b.grid:
            cols = [nouns.sub(str(c)) for c in b.grid["columns"]]
            b = replace(
                b, grid={**b.grid, "caption": nouns.sub(b.grid["caption"]), "columns": cols}
            )
        elif b.kind not in ("quote", "markdown", "table", "grid"):
            b = replace(b, text=nouns.sub(b.text), items=[nouns.sub(i) for i in b.items])
        blocks.append(b)
    return replace(sec, heading=nouns.sub(sec.heading), blocks=blocks)


def stance_by_subtheme(ctx: DocContext) -> dict[str, dict[str, int]]:
    """Sub-theme label -> interviews by stance, in codebook order; empty unless reportable."""
    if not ctx.stance_reportable:
        return {}
    out = {}
    for theme in ctx.analytic_themes:
        for code in ctx.codes.leaves_of[theme]:
            counts = ctx.stance(code) or {}
            if sum(counts.values()):
                out[ctx.codes.label(code)] = counts
    return out


def default_title(codebook_name: str | None, n: int, nouns: Nouns = INTERVIEWS) -> str:
    """``Peer challenge evaluation: findings from 43 interviews`` (from the codebook's name).

    A trailing "codebook" is dropped from the name; a name that has a colon already takes
    a dash instead of a second one; with no name, ``Findings from 43 interviews``.
    """
    name = re.sub(r"\s*\bcode ?book\b\s*$", "", str(codebook_name or ""), flags=re.I).strip()
    what = nouns.sub(count_of(n, "interview"))
    if not name:
        return f"Findings from {what}"
    return f"{name} \u2014 findings from {what}" if ":" in name else f"{name}: findings from {what}"


def reworded(table: Table, nouns: Nouns) -> Table:
    """``table`` with the report's own words for its cases (title, note, methods items).

    Data (quotes, codebook labels, metadata values) is never rewritten; only the framework
    matrix's ``Interview`` column and the methods table's items and quantifier scale are.
    """
    if nouns == INTERVIEWS:
        return table
    frame = table.frame.rename(columns={"Interview": nouns.sub("Interview")})
    if table.key == "methods":
        frame = frame.assign(item=frame["item"].map(nouns.sub))
        scale = frame["item"] == "Quantifier scale"
        frame.loc[scale, "value"] = frame.loc[scale, "value"].map(nouns.sub)
    return Table(
        table.key,
        table.number,
        nouns.sub(table.title),
        frame,
        nouns.sub(table.note),
        table.report_frame,
    )
