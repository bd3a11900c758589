"""The two packs the report stage writes: the commissioner's and the evaluation team's.

The commissioner pack (``outputs/report/``) carries no identifier that joins a quote or a
count to the per-interview attribute table: no segment id, no interview id, no table whose
rows are interviews. The researcher pack (``outputs/analysis/``) holds every table whole,
ids included, for the evaluation team only (ADR 0023).
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.report.model import Table

#: columns that name a segment or an interview: never in the commissioner pack
JOIN_COLUMNS = ("segment_id", "quote_segment_id", "evidence_segment_id", "interview_id")
#: tables whose CSV is for the evaluation team only (every row cites interviews and
#: segments); the documents show only their id-free summary
RESEARCHER_ONLY = ("evidence",)


def is_public(table: Table, interview_rows: bool = False) -> bool:
    """Whether ``table`` may go to the commissioner at all (in the documents).

    ``interview_rows``: the framework matrix has a row per interview
    (``report.framework_rows: interview``), so it stays with the evaluation team.
    """
    return not (interview_rows and table.key == "framework_matrix")


def published_csv(table: Table) -> bool:
    """Whether the commissioner pack carries ``table`` as a CSV (not the evidence)."""
    return table.key not in RESEARCHER_ONLY


def public_table(table: Table) -> Table:
    """``table`` without the columns that join it to interviews (frame and shown rows)."""
    drop = [c for c in JOIN_COLUMNS if c in table.frame.columns]
    shown = table.report_frame
    if shown is not None:
        shown = shown.drop(columns=[c for c in JOIN_COLUMNS if c in shown.columns])
    return replace(table, frame=table.frame.drop(columns=drop), report_frame=shown)


def public_tables(tables: list[Table], interview_rows: bool = False) -> list[Table]:
    """The tables of the commissioner pack, join columns removed (see :func:`is_public`)."""
    return [public_table(t) for t in tables if is_public(t, interview_rows)]


COMMISSIONER_README = """\
# The commissioner pack

This folder is the evaluation's report for the commissioner and anyone they share it with.
It is the only part of `outputs/` meant to leave the evaluation team.

| file | what |
|---|---|
| `report.docx` | the report in Word (A4, contents, page numbers) |
| `report.pdf` | the same report as PDF, printed from the HTML (where Chromium is installed) |
| `report.html` | the same report as one web page that opens offline and prints |
| `report.md` | the same report as Markdown |
| `tables/*.csv`, `tables/report_tables.xlsx` | the report's tables |
| `charts/*.png` | the report's charts; `charts/alt_text.json` holds each one's text alternative |
| `plots/*.csv` | the series behind the charts (DVC plots: `dvc plots diff` compares two runs) |

Disclosure control, checked by the verify stage on every run: every published count of
interviews in a group defined by attributes is 0 or at least {k}; counts from 1 to {k1} are
shown as `<{k}`, and further cells as `[c]` where a total would otherwise reveal them; every
quote's attribution is shared by at least {ka} interviewees; and nothing here carries a
segment or interview id, so no quote or count can be joined to the evaluation team's
per-interview tables.

The evaluation team's working files (anonymised transcripts, coded segments, evidence with
segment ids, per-interview attributes) are in `outputs/analysis/` and the other folders of
`outputs/`; they are not for circulation.
"""


def commissioner_readme(k: int, k_attribution: int) -> str:
    """The commissioner pack's README, with the run's thresholds."""
    return COMMISSIONER_README.format(k=k, k1=k - 1, ka=k_attribution)
