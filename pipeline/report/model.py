"""The report's data: its inputs, tables, quotes, theme findings and the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import catalogue

#: Columns of the evidence table: one row per (table, row, column, interview, segment).
EVIDENCE_COLUMNS = catalogue.columns("evidence")


@dataclass
class Table:
    """One report table: its file stem, number, title and frame (display values)."""

    key: str
    number: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    report_frame: pd.DataFrame | None = None  # what the report shows when not the whole frame
    in_document: bool = True  # False: a CSV/XLSX for the evaluation team, not in the report
    # grows with segments x codes (the evidence): written whole as parquet and CSV in batches,
    # while an XLSX sheet holds its summary (``report_frame``) and points to those files
    large: bool = False

    @property
    def caption(self) -> str:
        """``Table {number}. {title}``, as the report prints it."""
        return f"Table {self.number}. {self.title}"

    @property
    def shown(self) -> pd.DataFrame:
        """The rows the commissioner report shows."""
        return self.frame if self.report_frame is None else self.report_frame


@dataclass
class Quote:
    """An attributed quote."""

    text: str
    attribution: str
    segment_id: str
    code_id: str = ""


@dataclass
class ThemeSummary:
    """Key findings for one top-level theme: a headline, findings and quotes (all generated)."""

    code_id: str
    label: str
    headline: str
    findings: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Block:
    """One piece of a section, in reading order.

    ``kind``: ``paragraph`` (``text``), ``bullets`` (``items``), ``numbered`` (``items``),
    ``quote`` (``quote``), ``markdown`` (``text``: an evaluator's Markdown, verbatim),
    ``table`` (``table``: the key of a numbered table) or ``grid`` (``grid``: an unnumbered
    table as the template context gives one), ``note`` (``text``: what to add to params),
    ``heading`` (``text``: a sub-heading one level below the section's).
    """

    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    quote: Quote | None = None
    table: str = ""
    grid: dict[str, Any] | None = None


@dataclass
class Section:
    """A heading (level 1: a chapter) and its blocks; ``key`` is its stable anchor."""

    key: str
    heading: str
    level: int = 1
    blocks: list[Block] = field(default_factory=list)

    def add(self, kind: str, text: str = "", **kw: Any) -> Section:
        """Append a block (``self``, for chaining)."""
        self.blocks.append(Block(kind, text, **kw))
        return self


@dataclass
class TitlePage:
    """The title page's lines (empty ones are left out)."""

    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything the writers need."""

    title: str
    intro: list[str]
    themes: list[ThemeSummary]
    topics_summary: list[str]
    tables: list[Table]
    evidence: pd.DataFrame
    scale_note: str
    document: list[Section] = field(default_factory=list)  # the report, in reading order
    title_page: TitlePage | None = None
    # sub-theme label -> interviews by stance (positive, mixed, ...): only when reportable
    stance: dict[str, dict[str, int]] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        """The table whose key is ``key``."""
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


@dataclass
class Inputs:
    """The report's inputs, already read (see :func:`pipeline.report.inputs.read_inputs`)."""

    interviews: pd.DataFrame
    segments: pd.DataFrame
    segment_codes: pd.DataFrame
    codebook: Any
    agreement: dict[str, Any] = field(default_factory=dict)
    # interviews excluded at ingest (ingest.strict false): reason -> count
    excluded: dict[str, int] = field(default_factory=dict)
    # withdrawals applied at ingest: withdrawn_interviews, withdrawal_passages_struck
    withdrawals: dict[str, int] = field(default_factory=dict)
    # the anonymise stage's residual-risk scan of the anonymised turns (counts); None: unknown
    residual: dict[str, Any] | None = None
    replacements: dict[str, int] | None = None  # placeholders in the anonymised turns, by type
    topics: dict[str, pd.DataFrame] | None = None
    pseudonyms: dict[str, str] | None = None  # the templates; None: the built-in ones
    speakers: pd.DataFrame | None = None  # interview_id, turn_index, speaker, speaker_role
    participants: pd.DataFrame | None = None  # anonymised focus-group participants
    # per (interview, code) stance, and the stance stage's metrics (``reportable``)
    stance: pd.DataFrame | None = None
    stance_metrics: dict[str, Any] = field(default_factory=dict)
    prevalence: pd.DataFrame | None = None  # adjusted estimates with intervals (compare stage)
    evaluation: Any = None  # pipeline.params.EvaluationParams; None: the defaults
    sections: dict[str, str] = field(default_factory=dict)  # evaluator Markdown, by place
    provenance: dict[str, str] = field(default_factory=dict)  # version, params hash, models


def empty_evidence() -> pd.DataFrame:
    """An evidence frame with no rows."""
    return pd.DataFrame(columns=list(EVIDENCE_COLUMNS))


def evidence_rows(table: str, row: str, col: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The evidence of one cell: the distinct (interview, segment) pairs of ``rows``."""
    ev = rows[["interview_id", "segment_id"]].drop_duplicates().copy()
    ev.insert(0, "column_key", col)
    ev.insert(0, "row_key", row)
    ev.insert(0, "table", table)
    return ev
