"""The whole document in reading order, NFER-style.

Title page, (contents: the writers list the chapters), executive summary, introduction and
aims, methodology and limitations, a chapter per theme, themes beyond the codebook, the
evaluator's discussion (when given), recommendations, conclusions, and appendices: sample
profile, themes by region, the codebook, further tables. See ``docs/adr/0022-report-structure.md``.
"""

from __future__ import annotations

from pipeline.report.chapters import (
    beyond_codebook_section,
    conclusions_section,
    discussion_section,
    recommendations_section,
    theme_chapter,
)
from pipeline.report.doccontext import DocContext
from pipeline.report.front import executive_summary_section, introduction_section, title_page
from pipeline.report.methodology import _grid, methodology_section
from pipeline.report.model import Section, Table, TitlePage
from pipeline.report.prose import attribute_title


def build_document(ctx: DocContext, title: str) -> tuple[TitlePage, list[Section]]:
    """The title page and every section, chapters numbered in order."""
    chapter = iter(range(1, 1000))
    secs = [
        executive_summary_section(ctx),
        introduction_section(ctx, next(chapter)),
        methodology_section(ctx, next(chapter)),
    ]
    secs += [theme_chapter(ctx, t, next(chapter)) for t in ctx.analytic_themes]
    secs.append(beyond_codebook_section(ctx, next(chapter)))
    n = next(chapter)
    discussion = discussion_section(ctx, n)
    if discussion is not None:
        secs.append(discussion)
        n = next(chapter)
    secs.append(recommendations_section(ctx, n))
    secs.append(conclusions_section(ctx, next(chapter)))
    secs += appendices(ctx)
    return title_page(ctx, title), secs


def _region_matrix(ctx: DocContext) -> Section:
    """Appendix B: interviews raising each theme, by region (or the first crosstab attribute)."""
    attrs = [a for a in ("region", *ctx.params.crosstab_by) if f"crosstab_{a}" in ctx.tables]
    sec = Section("appendix-b", "Appendix B: Themes by region")
    if not attrs:
        return sec.add(
            "note",
            "Add a region column to the metadata sheet (and "
            "report.crosstab_by) for a matrix of themes by region.",
        )
    attr = attrs[0]
    t = ctx.tables[f"crosstab_{attr}"]
    frame = t.frame[t.frame["code_id"].isin(ctx.codes.themes)]
    groups = [c for c in frame.columns if c not in ("code_id", "theme")]
    rows = [[g, *[str(v) for v in frame[g]]] for g in groups]
    sec.heading = f"Appendix B: Themes by {attribute_title(attr).lower()}"
    sec.add(
        "paragraph",
        ctx.nouns.sub(
            f"Interviews raising each theme, by "
            f"{attribute_title(attr).lower()} (from Table {t.number})."
        ),
    )
    grid = _grid(
        [attribute_title(attr), *frame["theme"].tolist()],
        rows,
        f"Themes by {attribute_title(attr).lower()}",
    )
    return sec.add("grid", grid=grid)


def _codebook(ctx: DocContext) -> Section:
    """Appendix C: every code with its definition (and audience, when any is named)."""
    by_id = ctx.codes.by_id
    audience = any(c.audience for c in by_id.values())
    rows = []
    for cid in ctx.codes.rows:
        c = by_id[cid]
        theme = by_id[ctx.codes.top[cid]].label
        row = [theme, "" if cid == ctx.codes.top[cid] else c.label, c.definition]
        rows.append([*row, ", ".join(c.audience)] if audience else row)
    cols = ["Theme", "Sub-theme", "Definition"] + (["Addressed to"] if audience else [])
    book = ctx.inputs.codebook
    cap = f"Codebook: {book.name or 'unnamed'}" + (
        f", version {book.version}" if book.version else ""
    )
    return Section("appendix-c", "Appendix C: The codebook").add(
        "grid", grid=_grid(cols, rows, cap)
    )


def appendices(ctx: DocContext) -> list[Section]:
    """Sample profile, themes by region, the codebook, and the further tables."""
    shown = [t for t in ctx.tables.values() if t.in_document]
    sample = [t for t in shown if t.key.startswith("sample_")]
    a = Section("appendix-a", "Appendix A: Sample profile")
    for t in sample:
        a.add("table", table=t.key)
    d = Section("appendix-d", "Appendix D: Tables")
    for t in shown:
        if t not in sample:
            d.add("table", table=t.key)
    return [a, _region_matrix(ctx), _codebook(ctx), d]


def document_tables(tables: list[Table]) -> dict[str, Table]:
    """Tables by key."""
    return {t.key: t for t in tables}
