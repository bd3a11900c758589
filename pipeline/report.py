"""Report stage: evaluation tables, the commissioner summary, and the evidence behind each count.

From the coding outputs (which segments carry which codes), the anonymised interview metadata
and the stages' metrics, :func:`build_report` builds, as DataFrames:

1. the sample profile (interviews by role and each other attribute, small cells suppressed);
2. theme prevalence (interviews per theme and sub-theme, share, a quantifier word, by group);
3. crosstabs of codes by each metadata attribute (counts of interviews);
4. the framework matrix (rows: regions or interviews; columns: themes; cells: extracts);
5. code co-occurrence (interviews and segments where two codes meet);
6. the quotes bank (best complete-sentence quotes per code, attributed from metadata only);
7. emergent topics (from the topics stage, when it ran);
8. the methods appendix;
9. the evidence: for every count above, the interviews and segments behind it.

and an executive summary whose every sentence is generated from those tables. Writers turn a
:class:`Report` into CSVs, one XLSX, Markdown, self-contained HTML and DOCX, byte-identical
across runs. Privacy rules (suppression, group merging, attribution coarsening) are in
``docs/adr/0010-evaluation-report.md``.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pipeline.errors import QualevalError
from pipeline.io import atomic_outputs, read_stage_table, write_json
from pipeline.params import Quantifier, ReportParams, load_params

log = logging.getLogger(__name__)

EVIDENCE_COLUMNS = ("table", "row_key", "column_key", "interview_id", "segment_id")
NOT_RECORDED = "Not recorded"
TOTAL = "Total"
MIN_LEAD_WORDS = 4
#: Zip entry time and document dates written into XLSX and DOCX files (reproducible bytes).
FIXED_DATE = (2000, 1, 1, 0, 0, 0)
FIXED_ISO = "2000-01-01T00:00:00Z"
_PLACEHOLDER = re.compile(r"\[[A-Za-z][A-Za-z ]*(?: \d+| [A-Z]{1,2})?\]")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ENDS = re.compile(r"[.!?][\"'”’)]*$")
_STARTS = re.compile(r"^[\"“‘(]?(?:[A-Z0-9]|\[[A-Z])")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
TOPICS_NOT_RUN = "The topics stage was not run for this report, so no emergent topics are reported."
GATE_NOTE = (
    "The leak gate (verify stage) runs after this report is written and scans it, with every "
    "other file under outputs/, for the identifiers the anonymisation replaced; the pipeline "
    "fails if it finds one. Its result is in outputs/metrics/verify.json."
)


# --- data classes ----------------------------------------------------------------------------


@dataclass
class Table:
    """One report table: its file stem, number, title and frame (display values)."""

    key: str
    number: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    report_frame: pd.DataFrame | None = None  # what the report shows when not the whole frame

    @property
    def caption(self) -> str:
        """``Table 2. Theme prevalence ...``."""
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
class Report:
    """Everything the writers need."""

    title: str
    intro: list[str]
    themes: list[ThemeSummary]
    topics_summary: list[str]
    tables: list[Table]
    evidence: pd.DataFrame
    scale_note: str

    def table(self, key: str) -> Table:
        """The table whose key is ``key``."""
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)


@dataclass
class Inputs:
    """The report's inputs, already read (see :func:`read_inputs`)."""

    interviews: pd.DataFrame
    segments: pd.DataFrame
    segment_codes: pd.DataFrame
    codebook: Any
    agreement: dict[str, Any] = field(default_factory=dict)
    replacements: dict[str, int] | None = None  # placeholders in the anonymised turns, by type
    topics: dict[str, pd.DataFrame] | None = None


# --- small helpers -----------------------------------------------------------------------------


def quantify(count: int, total: int, scale: Sequence[Quantifier]) -> str:
    """The first word of ``scale`` (strongest first) whose thresholds ``count`` reaches.

    ``share = count / total``; a word applies when ``share >= min_share`` and
    ``count >= min_count``. The validated scale ends with a word that catches every count.
    """
    share = count / total if total else 0.0
    for q in scale:
        if share >= q.min_share - 1e-12 and count >= q.min_count:
            return q.word
    return scale[-1].word


def phrase(count: int, total: int, scale: Sequence[Quantifier], noun: str = "interviewee") -> str:
    """``Most interviewees (31 of 43)``, ``One interviewee (1 of 43)``."""
    word = quantify(count, total, scale)
    plural = noun if count == 1 else f"{noun}s"
    return f"{word[:1].upper()}{word[1:]} {plural} ({count} of {total})"


def scale_note(scale: Sequence[Quantifier]) -> str:
    """The quantifier scale in words, for the report."""
    parts = []
    for q in scale:
        bits = []
        if q.min_share > 0:
            bits.append("every interview" if q.min_share >= 1 else f"at least {q.min_share:.0%}")
        if q.min_count > 0 and (q.min_share == 0 or q.min_count > 1):
            bits.append(f"at least {q.min_count} interview{'s' if q.min_count != 1 else ''}")
        parts.append(f"“{q.word}”: " + (" and ".join(bits) if bits else "no interview"))
    return (
        "Quantifiers: each count of interviews is described by the first word whose thresholds "
        "it reaches, strongest first: " + "; ".join(parts) + "."
    )


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (``Ofsted`` stays)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower() and first[0].isupper() and first != "I":
        return first[0].lower() + text[1:]
    if len(first) == 1 and first != "I":
        return text[0].lower() + text[1:]
    return text


def gloss(definition: str) -> str:
    """The first clause of a definition, lower-cased at the start (for sentences)."""
    clause = re.split(r";|\.\s| — | - ", definition.strip(), maxsplit=1)[0].strip().rstrip(".")
    return lower_first(clause)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at ``. ! ?`` followed by a capital (placeholders count)."""
    text = " ".join(str(text).split())
    return [s for s in _SENTENCE_SPLIT.split(text) if s]


def quote_from(text: str, min_words: int, max_words: int) -> str | None:
    """A quote of complete sentences from ``text``, within the length bounds, or None.

    Leading sentences of fewer than ``MIN_LEAD_WORDS`` words ("Yes.", "And they did.") are
    dropped; then sentences are taken from the start while the total stays within ``max_words``; the
    result must start like a sentence (capital letter, digit or placeholder), end with
    ``. ! ?`` and have at least ``min_words`` words.
    """
    out: list[str] = []
    n = 0
    sentences = split_sentences(text)
    while len(sentences) > 1 and len(sentences[0].split()) < MIN_LEAD_WORDS:
        sentences.pop(0)  # "Yes.", "And they did.": context the quote does not carry
    for sentence in sentences:
        w = len(sentence.split())
        if n + w > max_words:
            break
        out.append(sentence)
        n += w
    quote = " ".join(out)
    if n < min_words or not _STARTS.match(quote) or not _ENDS.search(quote):
        return None
    return quote


def has_placeholder(text: str) -> bool:
    """True when the text carries an anonymisation placeholder such as ``[Person 3]``."""
    return bool(_PLACEHOLDER.search(text))


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return NOT_RECORDED
    s = str(v).strip()
    return s or NOT_RECORDED


def attributions(interviews: pd.DataFrame, columns: Sequence[str], min_group: int) -> pd.Series:
    """Attribution per interview (``"Lead member, North West"``) from metadata columns only.

    The attribution uses the first ``j`` columns for the largest ``j`` such that at least
    ``min_group`` interviews share those values (so a combination held by one interviewee is
    shortened to a less specific one); with no such ``j``, ``"Interviewee"``. Unrecorded
    values are left out.
    """
    iv = interviews.set_index("interview_id")
    values = {c: iv[c].map(_value) for c in columns}
    out = {}
    for interview_id in iv.index:
        text = "Interviewee"
        for j in range(len(columns), 0, -1):
            cols = list(columns[:j])
            key = tuple(values[c][interview_id] for c in cols)
            same = pd.Series(True, index=iv.index)
            for c, v in zip(cols, key):
                same &= values[c] == v
            if int(same.sum()) >= min_group:
                shown = [v for v in key if v != NOT_RECORDED]
                if shown:
                    text = ", ".join(shown)
                break
        out[interview_id] = text
    return pd.Series(out, name="attribution")


def merge_small_groups(sizes: pd.Series, k: int) -> dict[str, str]:
    """Group value -> reported group, merging groups of fewer than ``k`` interviews.

    Small groups become ``Other``; if ``Other`` is still smaller than ``k``, it joins the
    smallest reported group (``"<group> and other"``). With fewer than ``k`` interviews in
    all, everything is ``All``.
    """
    sizes = sizes.sort_index()
    if int(sizes.sum()) < k:
        return {g: "All" for g in sizes.index}
    small = [g for g, n in sizes.items() if n < k]
    big = sizes.drop(small).sort_values(kind="stable")
    mapping = {g: g for g in big.index}
    if small:
        if int(sizes[small].sum()) >= k or big.empty:
            target = "Other"
        else:
            target = f"{big.index[0]} and other"
            mapping[big.index[0]] = target
        mapping.update({g: target for g in small})
    return mapping


def suppress(counts: pd.DataFrame, k: int, total_row: str | None, total_col: str | None):
    """Suppress counts from 1 to ``k - 1`` (shown as ``<k``), with secondary suppression.

    Primary: every count with ``0 < n < k``. Secondary: in any row or column (margins
    included) where exactly one cell is suppressed, the smallest other non-zero cell is
    suppressed too, so no suppressed count can be recovered by subtraction from a total.
    The grand total (the number of interviews) is never suppressed.

    Returns:
        An object DataFrame: ints, and ``"<k"`` strings where suppressed.
    """
    mask = (counts > 0) & (counts < k)
    grand = (total_row, total_col) if total_row and total_col else None
    lines = [("row", r) for r in counts.index] + [("col", c) for c in counts.columns]
    changed = True
    while changed:
        changed = False
        for kind, key in lines:
            cells = (
                [(key, c) for c in counts.columns]
                if kind == "row"
                else [(r, key) for r in counts.index]
            )
            n_supp = sum(bool(mask.at[r, c]) for r, c in cells)
            if n_supp != 1:
                continue
            cands = [
                (int(counts.at[r, c]), str(r), str(c), r, c)
                for r, c in cells
                if not mask.at[r, c] and counts.at[r, c] > 0 and (r, c) != grand
            ]
            if not cands:
                continue
            # prefer inner cells over margins
            cands.sort(key=lambda t: (t[3] == total_row or t[4] == total_col, t[0], t[1], t[2]))
            _, _, _, r, c = cands[0]
            mask.at[r, c] = True
            changed = True
    out = counts.astype(object)
    out[mask] = f"<{k}"
    return out


def _evidence(table: str, row: str, col: str, rows: pd.DataFrame) -> pd.DataFrame:
    ev = rows[["interview_id", "segment_id"]].drop_duplicates().copy()
    ev.insert(0, "column_key", col)
    ev.insert(0, "row_key", row)
    ev.insert(0, "table", table)
    return ev


def _segment_key(segment_id: Any) -> str:
    return "" if segment_id is None or segment_id is pd.NA else str(segment_id)


# --- inputs ------------------------------------------------------------------------------------


def _read_parquet(path: Path, what: str, columns: Sequence[str], stage: str) -> pd.DataFrame:
    return read_stage_table(path, what, columns, f"the {stage} stage")


def _read_json(path: Path | None) -> dict[str, Any]:
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise QualevalError(f"{path}: not valid JSON; re-run the stage that writes it") from None
    return data if isinstance(data, dict) else {}


TOPIC_COLUMNS = (
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "share",
    "top_code_id",
    "top_code_share",
    "emergent",
)


def read_topics(topics_dir: Path) -> dict[str, pd.DataFrame]:
    """Read the topics stage's outputs (see the topics contract in docs/data-contracts.md).

    Required: ``topics.parquet``. Optional: ``emergent_topics.csv`` (the ``reason``),
    ``topic_quotes.parquet`` and ``segment_topics.parquet`` (evidence).

    Raises:
        QualevalError: when the folder or ``topics.parquet`` is missing or malformed.
    """
    topics_dir = Path(topics_dir)
    if not topics_dir.is_dir():
        raise QualevalError(
            f"{topics_dir}: topics folder not found; run the topics stage or leave out --topics-dir"
        )
    out = {
        "topics": _read_parquet(
            topics_dir / "topics.parquet", "topics table", TOPIC_COLUMNS, "topics"
        )
    }
    emergent = topics_dir / "emergent_topics.csv"
    if emergent.is_file():
        df = pd.read_csv(emergent, keep_default_na=False)
        if "topic_id" not in df.columns or "reason" not in df.columns:
            raise QualevalError(f"{emergent}: missing column topic_id or reason")
        out["emergent"] = df
    for name, cols in (
        ("topic_quotes", ("topic_id", "rank", "segment_id", "interview_id", "text")),
        ("segment_topics", ("segment_id", "interview_id", "topic_id")),
    ):
        path = topics_dir / f"{name}.parquet"
        if path.is_file():
            out[name] = _read_parquet(path, name.replace("_", " "), cols, "topics")
    return out


def placeholder_counts(turns: pd.DataFrame, pseudonyms: dict[str, str]) -> dict[str, int]:
    """Replacements by entity type, counted as pseudonyms in the anonymised turns' text.

    Each replacement leaves one pseudonym built from its type's template
    (``anonymise.pseudonyms``: ``[Person {n}]``, ``[Council {letter}]``, ``[date]``...), so
    this equals the anonymise stage's ``replacements_by_type`` without depending on its
    metrics file (which carries timings, and would make the report re-run needlessly).
    """
    text = "\n".join(turns["text"].dropna().astype(str))
    out = {}
    for etype, template in sorted(pseudonyms.items()):
        pattern = (
            re.escape(template)
            .replace(re.escape("{n}"), r"\d+")
            .replace(re.escape("{letter}"), "[A-Z]+")
        )
        n = len(re.findall(pattern, text))
        if n:
            out[etype] = n
    return out


def read_inputs(
    interviews_path: Path,
    segments_path: Path,
    segment_codes_path: Path,
    codebook_path: Path,
    *,
    agreement_path: Path | None = None,
    turns_path: Path | None = None,
    pseudonyms: dict[str, str] | None = None,
    topics_dir: Path | None = None,
) -> Inputs:
    """Read and check every input of the report stage.

    ``turns_path`` (the anonymised turns) and ``pseudonyms`` give the anonymisation summary;
    ``agreement_path`` the coding's agreement with human codes; ``topics_dir`` the topics.
    """
    from pipeline.codebook import load_codebook
    from pipeline.params import AnonymiseParams

    replacements = None
    if turns_path is not None:
        turns = _read_parquet(turns_path, "anonymised turns", ("text",), "anonymise")
        templates = pseudonyms if pseudonyms is not None else AnonymiseParams().pseudonyms
        replacements = placeholder_counts(turns, templates)
    return Inputs(
        interviews=_read_parquet(
            interviews_path, "anonymised interviews table", ("interview_id",), "anonymise"
        ),
        segments=_read_parquet(segments_path, "segments table", ("segment_id", "text"), "embed"),
        segment_codes=_read_parquet(
            segment_codes_path,
            "segment codes",
            ("interview_id", "segment_id", "code_id", "score"),
            "code",
        ),
        codebook=load_codebook(codebook_path),
        agreement=_read_json(agreement_path),
        replacements=replacements,
        topics=None if topics_dir is None else read_topics(topics_dir),
    )


# --- the tables ---------------------------------------------------------------------------------


class _Codes:
    """Top-level themes, their leaves, labels and order, from the codebook."""

    def __init__(self, book: Any) -> None:
        self.by_id = book.by_id()
        self.order = {c.id: i for i, c in enumerate(book.codes)}
        leaves = book.leaves()
        self.leaves = [c.id for c in leaves]
        self.top: dict[str, str] = {}
        for c in book.codes:
            cur = c
            while cur.parent is not None and cur.parent in self.by_id:
                cur = self.by_id[cur.parent]
            self.top[c.id] = cur.id
        self.themes = [c.id for c in book.codes if c.parent is None]
        self.leaves_of = {t: [c for c in self.leaves if self.top[c] == t] for t in self.themes}
        # rows of code tables: each theme, then its leaves (a leaf theme appears once)
        self.rows = []
        for t in self.themes:
            self.rows.append(t)
            self.rows += [c for c in self.leaves_of[t] if c != t]

    def label(self, code_id: str) -> str:
        return self.by_id[code_id].label

    def level(self, code_id: str) -> str:
        return "theme" if self.by_id[code_id].parent is None else "sub-theme"


def _coded(inputs: Inputs, codes: _Codes) -> pd.DataFrame:
    """Segment codes with theme rows added: one row per (code row, segment)."""
    sc = inputs.segment_codes
    unknown = sorted(set(sc["code_id"].astype(str)) - set(codes.by_id))
    if unknown:
        raise QualevalError(
            f"segment codes: unknown code {unknown[0]!r}; was the coding done with this codebook?"
        )
    known_iv = set(inputs.interviews["interview_id"].astype(str))
    sc = sc.assign(interview_id=sc["interview_id"].astype(str), code_id=sc["code_id"].astype(str))
    stray = sorted(set(sc["interview_id"]) - known_iv)
    if stray:
        raise QualevalError(
            f"segment codes: interview {stray[0]!r} is not in the interviews table; re-run the "
            "pipeline so both come from the same transcripts"
        )
    if "method" not in sc.columns:
        sc = sc.assign(method="")
    base = sc[["interview_id", "segment_id", "code_id", "score", "method"]].assign(
        method=lambda d: d["method"].fillna("").astype(str)
    )
    theme = base.assign(code_id=base["code_id"].map(codes.top))
    theme = theme[theme["code_id"] != base["code_id"]]
    out = pd.concat([base, theme], ignore_index=True)
    return out.drop_duplicates(["code_id", "segment_id"]).reset_index(drop=True)


def _count_table(
    key: str,
    long: pd.DataFrame,
    row_col: str,
    col_col: str,
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    totals: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct interviews per (row, column) of ``long``, with margins, and the evidence."""
    counts = pd.DataFrame(0, index=list(rows), columns=list(cols), dtype="int64")
    evidence = []
    for (r, c), grp in long.groupby([row_col, col_col], sort=True):
        if r in counts.index and c in counts.columns:
            counts.at[r, c] = grp["interview_id"].nunique()
            evidence.append(_evidence(key, str(r), str(c), grp))
    if totals:
        counts[TOTAL] = [long.loc[long[row_col] == r, "interview_id"].nunique() for r in rows]
        for r in rows:
            evidence.append(_evidence(key, str(r), TOTAL, long[long[row_col] == r]))
        tot = [long.loc[long[col_col] == c, "interview_id"].nunique() for c in cols]
        counts.loc[TOTAL] = [*tot, long["interview_id"].nunique()]
        for c in cols:
            evidence.append(_evidence(key, TOTAL, str(c), long[long[col_col] == c]))
        evidence.append(_evidence(key, TOTAL, TOTAL, long))
    ev = pd.concat(evidence, ignore_index=True) if evidence else _empty_evidence()
    return counts, ev


def _empty_evidence() -> pd.DataFrame:
    return pd.DataFrame(columns=list(EVIDENCE_COLUMNS))


def sample_tables(interviews: pd.DataFrame, params: ReportParams) -> tuple[list[Table], list]:
    """Table 1: interviews by ``group_by`` (role) and each other crosstab attribute."""
    iv = interviews.assign(interview_id=interviews["interview_id"].astype(str))
    row_attr = params.group_by
    others = [a for a in params.crosstab_by if a != row_attr] or [None]
    tables, evidence = [], []
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i, attr in enumerate(others):
        long = pd.DataFrame(
            {
                "row": iv[row_attr].map(_value),
                "col": iv[attr].map(_value) if attr else "All",
                "interview_id": iv["interview_id"],
                "segment_id": None,
            }
        )
        rows = sorted(long["row"].unique())
        cols = sorted(long["col"].unique())
        key = f"sample_by_{attr}" if attr else "sample_profile"
        counts, ev = _count_table(key, long, "row", "col", rows, cols, totals=True)
        if not attr:
            counts = counts.drop(columns=["All"])
        shown = suppress(counts, params.min_cell, TOTAL, TOTAL)
        shown.index.name = _title(row_attr)
        frame = shown.reset_index()
        number = "1" if len(others) == 1 else f"1{letters[i]}"
        what = f"{_title(row_attr).lower()} and {_title(attr).lower()}" if attr else row_attr
        n_supp = int((shown == f"<{params.min_cell}").to_numpy().sum())
        note = (
            f"Counts of interviews. Counts from 1 to {params.min_cell - 1} are shown as "
            f"<{params.min_cell} to protect identities ({n_supp} cell(s)), with further cells "
            "suppressed where a total would reveal them."
        )
        tables.append(Table(key, number, f"Sample profile: interviews by {what}", frame, note))
        evidence.append(ev)
    return tables, evidence


def _title(attr: str | None) -> str:
    return "" if attr is None else attr.replace("_", " ").capitalize()


def theme_prevalence(
    coded: pd.DataFrame, interviews: pd.DataFrame, codes: _Codes, params: ReportParams
) -> tuple[Table, pd.DataFrame, dict[str, str]]:
    """Table 2: interviews per theme and sub-theme, share, quantifier, and the same by group."""
    n = len(interviews)
    scale = params.quantifiers
    iv = interviews.assign(interview_id=interviews["interview_id"].astype(str))
    group_of_value = iv[params.group_by].map(_value).map(lambda v: params.role_groups.get(v, v))
    sizes = group_of_value.value_counts()
    merge = merge_small_groups(sizes, params.min_cell)
    group = dict(zip(iv["interview_id"], group_of_value.map(merge)))
    group_sizes = pd.Series(group).value_counts()
    groups = sorted(group_sizes.index)
    records, evidence = [], []
    for cid in codes.rows:
        rows = coded[coded["code_id"] == cid]
        k = rows["interview_id"].nunique()
        rec: dict[str, Any] = {
            "code_id": cid,
            "theme": codes.label(cid),
            "parent_theme": codes.label(codes.top[cid]),
            "level": codes.level(cid),
            "n_interviews": k,
            "of": n,
            "share": round(k / n, 4) if n else 0.0,
            "quantifier": quantify(k, n, scale),
            "n_segments": rows["segment_id"].nunique(),
        }
        evidence.append(_evidence("theme_prevalence", cid, "n_interviews", rows))
        for g in groups:
            g_rows = rows[rows["interview_id"].map(group) == g]
            gk, gn = g_rows["interview_id"].nunique(), int(group_sizes[g])
            rec[f"{g} (n={gn})"] = f"{gk} ({quantify(gk, gn, scale)})"
            evidence.append(_evidence("theme_prevalence", cid, g, g_rows))
        records.append(rec)
    frame = pd.DataFrame(records)
    note = (
        f"Interviews in which at least one segment was coded with the theme (a theme counts its "
        f"sub-themes), of {n}. Columns by {_title(params.group_by).lower()} give the count and "
        f"quantifier within each group; groups of fewer than {params.min_cell} interviews are "
        "merged."
    )
    table = Table("theme_prevalence", "2", "Theme prevalence", frame, note)
    return table, pd.concat(evidence, ignore_index=True), group


def crosstabs(
    coded: pd.DataFrame, interviews: pd.DataFrame, codes: _Codes, params: ReportParams
) -> tuple[list[Table], list[pd.DataFrame]]:
    """Table 3: interviews per code by each attribute (groups under ``min_cell`` merged)."""
    tables, evidence = [], []
    iv = interviews.assign(interview_id=interviews["interview_id"].astype(str))
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i, attr in enumerate(params.crosstab_by):
        values = iv[attr].map(_value)
        merge = merge_small_groups(values.value_counts(), params.min_cell)
        group = dict(zip(iv["interview_id"], values.map(merge)))
        sizes = pd.Series(group).value_counts()
        cols = [] if set(merge.values()) == {"All"} else sorted(sizes.index)
        long = coded.assign(group=coded["interview_id"].map(group))
        key = f"crosstab_{attr}"
        counts, ev = _count_table(key, long, "code_id", "group", codes.rows, cols, totals=False)
        counts.columns = [f"{c} (n={int(sizes[c])})" for c in cols]
        counts.insert(
            0,
            f"All (n={len(iv)})",
            [long.loc[long["code_id"] == r, "interview_id"].nunique() for r in codes.rows],
        )
        frame = counts.reset_index(names="code_id")
        frame.insert(1, "theme", frame["code_id"].map(codes.label))
        number = "3" if len(params.crosstab_by) == 1 else f"3{letters[i]}"
        note = (
            f"Interviews per code by {_title(attr).lower()}; groups of fewer than "
            f"{params.min_cell} interviews are merged into 'Other'."
        )
        tables.append(
            Table(key, number, f"Codes by {_title(attr).lower()} (interviews)", frame, note)
        )
        evidence.append(ev)
    return tables, evidence


def _pick_segments(
    rows: pd.DataFrame, n: int, params: ReportParams, *, one_per_interview: bool = True
) -> list[tuple[str, str, str]]:
    """Best ``n`` (segment_id, interview_id, quote) from coded rows with a ``text`` column.

    Candidates must yield a bounded complete-sentence quote matching none of
    ``quote_exclude`` (self-descriptions); those without placeholders come
    first, then those that more than one coder chose (method ``keyword+semantic``), then by
    score (descending), then by segment id (stable).
    """
    cands = []
    exclude = [re.compile(pat, re.I) for pat in params.quote_exclude]
    methods = rows["method"] if "method" in rows.columns else pd.Series("", index=rows.index)
    for seg, iv_id, text, score, method in zip(
        rows["segment_id"], rows["interview_id"], rows["text"], rows["score"], methods
    ):
        quote = quote_from(text, params.quote_min_words, params.quote_max_words)
        if quote is not None and not any(p.search(quote) for p in exclude):
            agreed = "+" in str(method)  # both coders (e.g. keyword+semantic) chose it
            cands.append(
                (has_placeholder(quote), not agreed, -float(score), str(seg), str(iv_id), quote)
            )
    cands.sort()
    out, seen_iv, seen_seg = [], set(), set()
    for _, _, _, seg, iv_id, quote in cands:
        if seg in seen_seg or (one_per_interview and iv_id in seen_iv):
            continue
        out.append((seg, iv_id, quote))
        seen_seg.add(seg)
        seen_iv.add(iv_id)
        if len(out) == n:
            break
    return out


def framework_matrix(
    coded: pd.DataFrame, interviews: pd.DataFrame, codes: _Codes, params: ReportParams
) -> tuple[Table, pd.DataFrame]:
    """Table 4: the Framework Method's case x theme grid of extracts with segment references."""
    iv = interviews.assign(interview_id=interviews["interview_id"].astype(str))
    if params.framework_rows == "region":
        values = iv["region"].map(_value) if "region" in iv.columns else "All"
        values = pd.Series(values, index=iv.index)
        merge = merge_small_groups(values.value_counts(), params.min_cell)
        row_of = dict(zip(iv["interview_id"], values.map(merge)))
        row_name = "Region"
    else:
        row_of = dict(zip(iv["interview_id"], iv["interview_id"]))
        row_name = "Interview"
    rows = sorted(set(row_of.values()))
    themed = coded[coded["code_id"].isin(codes.themes)]
    themed = themed.assign(row=themed["interview_id"].map(row_of))
    records, evidence = [], []
    for r in rows:
        rec = {row_name: r}
        for t in codes.themes:
            cell = themed[(themed["row"] == r) & (themed["code_id"] == t)]
            picked = _pick_segments(cell, params.framework_segments, params)
            rec[codes.label(t)] = (
                " ".join(f"“{q}” ({seg})" for seg, _, q in picked) if picked else "—"
            )
            if picked:
                ids = [seg for seg, _, _ in picked]
                evidence.append(
                    _evidence("framework_matrix", r, t, cell[cell.segment_id.isin(ids)])
                )
        records.append(rec)
    frame = pd.DataFrame(records)
    note = (
        f"Each cell quotes up to {params.framework_segments} of the highest-scoring coded "
        "segments for the theme (anonymised; complete sentences, at most one per interview), "
        "with their segment ids; '—': no segment coded."
    )
    title = f"Framework matrix: {row_name.lower()}s by theme"
    table = Table("framework_matrix", "4", title, frame, note)
    return table, pd.concat(evidence, ignore_index=True) if evidence else _empty_evidence()


def cooccurrence(
    coded: pd.DataFrame, codes: _Codes, params: ReportParams
) -> tuple[Table, pd.DataFrame]:
    """Table 5: pairs of sub-themes meeting in the same interview or the same segment."""
    leaves = coded[coded["code_id"].isin(codes.leaves)]
    by_code = {c: g for c, g in leaves.groupby("code_id")}
    present = sorted(by_code, key=codes.order.get)
    records, evidence = [], []
    for i, a in enumerate(present):
        ga = by_code[a]
        ivs_a = set(ga["interview_id"])
        segs_a = set(ga["segment_id"])
        for b in present[i + 1 :]:
            gb = by_code[b]
            shared_iv = ivs_a & set(gb["interview_id"])
            if not shared_iv:
                continue
            shared_seg = segs_a & set(gb["segment_id"])
            key = f"{a} & {b}"
            both = pd.concat([ga, gb])
            evidence.append(
                _evidence(
                    "cooccurrence", key, "n_interviews", both[both.interview_id.isin(shared_iv)]
                )
            )
            if shared_seg:
                evidence.append(
                    _evidence(
                        "cooccurrence", key, "n_segments", both[both.segment_id.isin(shared_seg)]
                    )
                )
            records.append(
                {
                    "code_a": a,
                    "theme_a": codes.label(a),
                    "code_b": b,
                    "theme_b": codes.label(b),
                    "n_interviews": len(shared_iv),
                    "n_segments": len(shared_seg),
                    "_order": (codes.order[a], codes.order[b]),
                }
            )
    cols = ["code_a", "theme_a", "code_b", "theme_b", "n_interviews", "n_segments"]
    frame = pd.DataFrame(records, columns=[*cols, "_order"])
    frame = frame.sort_values(
        ["n_interviews", "n_segments", "_order"], ascending=[False, False, True], kind="stable"
    )[cols].reset_index(drop=True)
    note = (
        "Pairs of sub-themes coded in the same interview (n_interviews) and on the same segment "
        f"(n_segments). The report shows the {params.cooccurrence_rows} most frequent pairs; "
        "tables/cooccurrence.csv has all."
    )
    table = Table(
        "cooccurrence",
        "5",
        "Code co-occurrence",
        frame,
        note,
        report_frame=frame.head(params.cooccurrence_rows),
    )
    return table, pd.concat(evidence, ignore_index=True) if evidence else _empty_evidence()


def quotes_bank(
    coded: pd.DataFrame, codes: _Codes, attribution: pd.Series, params: ReportParams
) -> tuple[Table, pd.DataFrame]:
    """Table 6: the best quotes per sub-theme, attributed from metadata (never names)."""
    records, evidence = [], []
    for cid in codes.leaves:
        rows = coded[coded["code_id"] == cid]
        for rank, (seg, iv_id, quote) in enumerate(
            _pick_segments(rows, params.quotes_per_code, params), start=1
        ):
            records.append(
                {
                    "code_id": cid,
                    "theme": codes.label(cid),
                    "rank": rank,
                    "quote": quote,
                    "attribution": attribution.get(iv_id, "Interviewee"),
                    "segment_id": seg,
                }
            )
            evidence.append(_evidence("quotes_bank", cid, str(rank), rows[rows.segment_id == seg]))
    cols = ["code_id", "theme", "rank", "quote", "attribution", "segment_id"]
    frame = pd.DataFrame(records, columns=cols)
    note = (
        f"Up to {params.quotes_per_code} quotes per sub-theme: complete sentences of "
        f"{params.quote_min_words} to {params.quote_max_words} words from the highest-scoring "
        "coded segments, one per interview; quotes without anonymisation placeholders first, "
        "then those both coders chose. "
        f"Attributions use {', '.join(params.attribution)} only, shortened until at least "
        f"{params.attribution_min_group} interviewees share them."
    )
    table = Table("quotes_bank", "6", "Quotes bank", frame, note)
    return table, pd.concat(evidence, ignore_index=True) if evidence else _empty_evidence()


EMERGENT_COLUMNS = [
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "share",
    "nearest_code",
    "nearest_code_share",
    "reason",
    "quote",
    "attribution",
    "quote_segment_id",
]


def emergent_topics(
    topics: dict[str, pd.DataFrame] | None,
    codes: _Codes,
    attribution: pd.Series,
    params: ReportParams,
) -> tuple[Table, pd.DataFrame, list[str]]:
    """Table 7: emergent topics (not covered well by the codebook) with a quote each."""
    empty = pd.DataFrame(columns=EMERGENT_COLUMNS)
    if topics is None:
        table = Table("emergent_topics", "7", "Emergent topics", empty, TOPICS_NOT_RUN)
        return table, _empty_evidence(), [TOPICS_NOT_RUN]
    t = topics["topics"]
    t = t[(t["emergent"].astype(bool)) & (t["topic_id"].astype(int) != -1)]
    reasons = {}
    if "emergent" in topics:
        em = topics["emergent"]
        reasons = dict(zip(em["topic_id"].astype(int), em["reason"].astype(str)))
    tq = topics.get("topic_quotes")
    st = topics.get("segment_topics")
    records, evidence = [], []
    for rec in t.sort_values(["n_segments", "topic_id"], ascending=[False, True]).to_dict(
        "records"
    ):
        tid = int(rec["topic_id"])
        quote, attr, qseg = "", "", ""
        if tq is not None:
            cands = tq[tq["topic_id"].astype(int) == tid].sort_values("rank")
            for q in cands.to_dict("records"):
                text = quote_from(q["text"], params.quote_min_words, params.quote_max_words)
                if text is not None and not any(
                    re.search(pat, text, re.I) for pat in params.quote_exclude
                ):
                    quote, qseg = text, str(q["segment_id"])
                    attr = attribution.get(str(q["interview_id"]), "Interviewee")
                    break
        top = rec.get("top_code_id")
        top_ok = isinstance(top, str) and top in codes.by_id
        records.append(
            {
                "topic_id": tid,
                "label": str(rec["label"]),
                "keywords": str(rec["keywords"]),
                "n_segments": int(rec["n_segments"]),
                "n_interviews": int(rec["n_interviews"]),
                "share": round(float(rec["share"]), 4),
                "nearest_code": codes.label(top) if top_ok else "",
                "nearest_code_share": (
                    round(float(rec["top_code_share"]), 4) if top_ok else float("nan")
                ),
                "reason": reasons.get(tid, ""),
                "quote": quote,
                "attribution": attr,
                "quote_segment_id": qseg,
            }
        )
        if st is not None:
            rows = st[st["topic_id"].astype(int) == tid].assign(
                interview_id=lambda d: d["interview_id"].astype(str)
            )
            evidence.append(_evidence("emergent_topics", str(tid), "n_segments", rows))
    frame = pd.DataFrame(records, columns=EMERGENT_COLUMNS)
    n_iv = 0
    summary = []
    if frame.empty:
        summary.append(
            "The topic model found no emergent topics: every topic it found is "
            "covered by a code of the codebook."
        )
    else:
        labels = "; ".join(
            f"“{r.label}” ({r.n_interviews} interview{'s' if r.n_interviews != 1 else ''})"
            for r in frame.itertuples()
        )
        n_iv = len(frame)
        summary.append(
            f"The topic model found {n_iv} emergent topic{'s' if n_iv != 1 else ''} that the "
            f"codebook does not cover well: {labels}."
        )
    note = (
        "Topics from the topics stage flagged as emergent (no code of the codebook covers most "
        "of their segments), with the reason and a quote."
    )
    table = Table("emergent_topics", "7", "Emergent topics", frame, note)
    return table, pd.concat(evidence, ignore_index=True) if evidence else _empty_evidence(), summary


def methods_table(inputs: Inputs, codes: _Codes, params: ReportParams) -> Table:
    """Table 8: the methods appendix, as (section, item, value) rows."""
    iv = inputs.interviews
    rows: list[tuple[str, str, str]] = []

    def add(section: str, item: str, value: Any) -> None:
        rows.append((section, item, str(value)))

    add("Sample", "Interviews", len(iv))
    for attr in dict.fromkeys([params.group_by, *params.crosstab_by]):
        if attr in iv.columns:
            values = iv[attr].map(_value)
            add(
                "Sample",
                f"{_title(attr)}s",
                f"{values.nunique()}: " + ", ".join(sorted(values.unique())),
            )
    if "interview_month" in iv.columns:
        months = sorted(v for v in iv["interview_month"].dropna().astype(str) if v)
        if months:
            add("Sample", "Interview dates", f"{months[0]} to {months[-1]}")
    add("Sample", "Segments (respondent sentences)", len(inputs.segments))
    book = inputs.codebook
    add("Codebook", "Name", book.name or "(unnamed)")
    add("Codebook", "Version", book.version or "(no version)")
    add(
        "Codebook",
        "Themes and sub-themes",
        f"{len(codes.themes)} themes, {len(codes.leaves)} codes applied to segments",
    )
    sc = inputs.segment_codes
    if "method" in sc.columns and len(sc):
        by_method = sc["method"].astype(str).value_counts().sort_index()
        coders = sorted({m for key in by_method.index for m in key.split("+")})
        add("Coding", "Coders", ", ".join(coders))
        for key, v in by_method.items():
            add("Coding", f"Segment codes by {key}", int(v))
    else:
        add("Coding", "Coders", "(not recorded in the segment codes)")
    add("Coding", "Segment codes", len(sc))
    add("Coding", "Segments with at least one code", sc["segment_id"].nunique())
    ag = inputs.agreement
    if ag.get("human_codes"):
        add("Agreement with human codes", "Turns compared", ag.get("n_turns", ""))
        for k in ("micro_precision", "micro_recall", "micro_f1", "macro_f1", "macro_kappa"):
            if ag.get(k) is not None:
                add("Agreement with human codes", k.replace("_", " "), f"{float(ag[k]):.2f}")
    else:
        add("Agreement with human codes", "Human codes", "none given: agreement not measured")
    if inputs.replacements is not None:
        add("Anonymisation", "Replacements", sum(inputs.replacements.values()))
        for k, v in sorted(inputs.replacements.items()):
            add("Anonymisation", f"Replacements: {k}", v)
    add("Anonymisation", "Leak gate", GATE_NOTE)
    add("Report", "Small-cell threshold", f"counts under {params.min_cell} suppressed")
    add("Report", "Quantifier scale", scale_note(params.quantifiers))
    frame = pd.DataFrame(rows, columns=["section", "item", "value"])
    return Table("methods", "8", "Methods appendix", frame, "")


# --- summary -----------------------------------------------------------------------------------


def executive_summary(
    prevalence: pd.DataFrame,
    quotes: pd.DataFrame,
    codes: _Codes,
    n: int,
    params: ReportParams,
) -> list[ThemeSummary]:
    """Key findings per theme: templated sentences from Table 2 and quotes from Table 6."""
    scale = params.quantifiers
    prev = prevalence.set_index("code_id")
    out = []
    for t in codes.themes:
        label = codes.label(t)
        k = int(prev.at[t, "n_interviews"])
        leaves = [c for c in codes.leaves_of[t] if c != t]
        if k == 0:
            headline = f"No interviewee described any {lower_first(label)} theme."
        elif leaves:
            headline = (
                f"{phrase(k, n, scale)} described at least one of the {len(leaves)} sub-themes "
                f"of {lower_first(label)}."
            )
        else:
            headline = (
                f"{phrase(k, n, scale)} described {lower_first(label)} "
                f"({gloss(codes.by_id[t].definition)})."
            )
        summary = ThemeSummary(t, label, headline)
        ranked = sorted(
            (c for c in leaves if int(prev.at[c, "n_interviews"]) >= params.min_finding_interviews),
            key=lambda c: (-int(prev.at[c, "n_interviews"]), codes.order[c]),
        )[: params.findings_per_theme]
        for c in ranked:
            kc = int(prev.at[c, "n_interviews"])
            summary.findings.append(
                f"{phrase(kc, n, scale)} described {lower_first(codes.label(c))} "
                f"({gloss(codes.by_id[c].definition)})."
            )
        # one quote per key finding in turn (its best first), until summary_quotes
        pools = [quotes[quotes["code_id"] == c] for c in ranked]
        used: set[str] = set()
        for rank in range(params.quotes_per_code):
            for c, pool in zip(ranked, pools):
                if len(summary.quotes) >= params.summary_quotes:
                    break
                q = pool[(pool["rank"] > rank) & ~pool["segment_id"].isin(used)]
                if not q.empty:
                    r = q.iloc[0]
                    summary.quotes.append(Quote(r["quote"], r["attribution"], r["segment_id"], c))
                    used.add(r["segment_id"])
        out.append(summary)
    return out


# --- build -------------------------------------------------------------------------------------


def build_report(inputs: Inputs, params: ReportParams) -> Report:
    """Build every table and the executive summary (pure: no file is read or written).

    Metadata columns named in ``params`` that the interviews table lacks are left out (with
    a warning): the report covers what the metadata sheet recorded.

    Raises:
        QualevalError: when there are no interviews, or the coding does not match the
            codebook, the interviews or the segments.
    """
    iv = inputs.interviews.copy()
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
    n = len(iv)
    if n == 0:
        raise QualevalError("interviews table: no interviews; run the pipeline on transcripts")
    codes = _Codes(inputs.codebook)
    coded = _coded(inputs, codes)
    texts = inputs.segments.drop_duplicates("segment_id").set_index("segment_id")["text"]
    coded["text"] = coded["segment_id"].map(texts)
    lost = coded["text"].isna()
    if lost.any():
        raise QualevalError(
            f"segment codes: segment {coded.loc[lost, 'segment_id'].iloc[0]!r} is not in the "
            "segments table; re-run the code stage on the current segments"
        )
    attribution = attributions(iv, params.attribution, params.attribution_min_group)

    tables: list[Table] = []
    evidence: list[pd.DataFrame] = []
    t1, ev1 = sample_tables(iv, params)
    tables += t1
    evidence += ev1
    t2, ev2, _ = theme_prevalence(coded, iv, codes, params)
    tables.append(t2)
    evidence.append(ev2)
    t3, ev3 = crosstabs(coded, iv, codes, params)
    tables += t3
    evidence += ev3
    t4, ev4 = framework_matrix(coded, iv, codes, params)
    t5, ev5 = cooccurrence(coded, codes, params)
    t6, ev6 = quotes_bank(coded, codes, attribution, params)
    t7, ev7, topics_summary = emergent_topics(inputs.topics, codes, attribution, params)
    t8 = methods_table(inputs, codes, params)
    tables += [t4, t5, t6, t7, t8]
    evidence += [ev4, ev5, ev6, ev7]
    # one dtype per column in every part (an all-missing segment_id column is object, not float)
    ev = pd.concat(
        [e.astype(dict.fromkeys(EVIDENCE_COLUMNS, object)) for e in evidence if not e.empty],
        ignore_index=True,
    )
    ev = ev.astype({"table": str, "row_key": str, "column_key": str, "interview_id": str})
    ev["segment_id"] = ev["segment_id"].map(_segment_key)
    ev = ev[list(EVIDENCE_COLUMNS)].reset_index(drop=True)
    summary_ev = (
        ev.groupby("table", sort=False)
        .agg(
            cells=("row_key", lambda s: len(set(zip(s, ev.loc[s.index, "column_key"])))),
            rows=("row_key", "size"),
        )
        .reset_index()
    )
    t9 = Table(
        "evidence",
        "9",
        "Evidence: the interviews and segments behind every count",
        ev,
        "One row per (table, row, column, interview, segment) behind a figure; the report shows "
        "its size per table, tables/evidence.csv has every row. Sample profile counts cite "
        "interviews only (segment_id empty).",
        report_frame=summary_ev,
    )
    tables.append(t9)

    themes = executive_summary(t2.frame, t6.frame, codes, n, params)
    months = sorted(v for v in iv.get("interview_month", pd.Series(dtype=str)).dropna().astype(str))
    roles = iv[params.group_by].map(_value).nunique()
    intro = [
        f"This report summarises {n} anonymised interview{'s' if n != 1 else ''} with "
        f"{roles} {_title(params.group_by).lower()}{'s' if roles != 1 else ''}"
        + (f", conducted between {months[0]} and {months[-1]}" if months else "")
        + ". Themes were coded automatically with the codebook "
        f"“{inputs.codebook.name or 'unnamed'}”"
        + (f" (version {inputs.codebook.version})" if inputs.codebook.version else "")
        + "; a count is the number of interviews in which at least one segment was coded with "
        "the theme.",
    ]
    ag = inputs.agreement
    if ag.get("human_codes") and ag.get("micro_f1") is not None:
        intro.append(
            f"Automatic codes agreed with human codes on {ag.get('n_turns', '?')} turns with "
            f"micro F1 {float(ag['micro_f1']):.2f} and macro kappa "
            f"{float(ag.get('macro_kappa') or 0):.2f} (Table 8): read the counts as indicative."
        )
    intro.append(
        "Every figure can be traced to the segments behind it (Table 9); quotes are anonymised "
        "and attributed by role and region only."
    )
    return Report(
        title=params.title,
        intro=intro,
        themes=themes,
        topics_summary=topics_summary,
        tables=tables,
        evidence=ev,
        scale_note=scale_note(params.quantifiers),
    )


# --- writers -------------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:.2f}".rstrip("0").rstrip(".")
    return str(v)


def _view(report: Report) -> dict[str, Any]:
    """The template context: strings only."""
    tables = []
    for t in report.tables:
        shown = t.shown
        tables.append(
            {
                "key": t.key,
                "number": t.number,
                "caption": t.caption,
                "note": t.note,
                "columns": [str(c) for c in shown.columns],
                "rows": [[_cell(v) for v in row] for row in shown.itertuples(index=False)],
                "n_rows": len(t.frame)
                if t.report_frame is None or list(t.report_frame.columns) == list(t.frame.columns)
                else len(shown),
                "shown_rows": len(shown),
            }
        )
    return {
        "title": report.title,
        "intro": report.intro,
        "themes": report.themes,
        "topics_summary": report.topics_summary,
        "scale_note": report.scale_note,
        "tables": tables,
    }


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = _md_escape
    return env


def _md_escape(text: Any) -> str:
    s = " ".join(str(text).split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def render_markdown(report: Report) -> str:
    """The report as Markdown (GitHub tables)."""
    return _env().get_template("report.md.j2").render(**_view(report))


def render_html(report: Report) -> str:
    """The report as one self-contained, accessible HTML page (no external assets)."""
    return _env().get_template("report.html.j2").render(**_view(report))


def normalise_zip(path: Path) -> None:
    """Rewrite an Office file with fixed entry times and fixed document dates (reproducible)."""
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rf"\g<1>{FIXED_ISO}\g<2>",
                    text,
                )
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.write_bytes(buf.getvalue())


def _sheet_name(key: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("_", key)[:31]
    base, i = name, 2
    while name in used:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table (its caption in row 1, header in row 2), reproducible bytes."""
    import datetime as dt

    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        ws = wb.create_sheet(_sheet_name(t.key, used))
        ws.append([t.caption])
        ws.cell(row=1, column=1).font = Font(bold=True)
        ws.append([str(c) for c in t.frame.columns])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in t.frame.itertuples(index=False):
            values = []
            for v in row:
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    values.append(None)
                elif isinstance(v, str):
                    values.append(_ILLEGAL_XLSX.sub("", v))
                elif hasattr(v, "item"):
                    values.append(v.item())
                else:
                    values.append(v)
            ws.append(values)
        for r in ws.iter_rows(min_row=3):
            for cell in r:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                    if len(cell.value) > 60:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A3"
        for j, col in enumerate(t.frame.columns, start=1):
            width = min(max(len(str(col)), *(len(_cell(v)) for v in t.frame[col].head(200)), 8), 70)
            ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = width + 2
    fixed = dt.datetime(*FIXED_DATE)
    wb.properties.creator = "qualeval"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)
    normalise_zip(path)


def write_docx(report: Report, path: Path) -> None:
    """The report as Word: Title, Heading 1-3, 'Quote' paragraphs and real tables."""
    import datetime as dt

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    view = _view(report)
    doc = docx.Document()
    fixed = dt.datetime(*FIXED_DATE)
    props = doc.core_properties
    props.title = report.title
    props.author = "qualeval"
    props.last_modified_by = "qualeval"
    props.created = fixed
    props.modified = fixed
    props.revision = 1
    doc.add_heading(report.title, level=0)
    for p in report.intro:
        doc.add_paragraph(p)
    doc.add_heading("Executive summary", level=1)
    for theme in report.themes:
        doc.add_heading(theme.label, level=2)
        doc.add_paragraph(theme.headline)
        for f in theme.findings:
            doc.add_paragraph(f, style="List Bullet")
        for q in theme.quotes:
            doc.add_paragraph(f"“{q.text}” — {q.attribution}", style="Quote")
    doc.add_heading("Emergent topics", level=2)
    for line in report.topics_summary:
        doc.add_paragraph(line)
    doc.add_paragraph(report.scale_note)
    doc.add_heading("Tables", level=1)
    for t in view["tables"]:
        doc.add_heading(t["caption"], level=2)
        if t["note"]:
            doc.add_paragraph(t["note"])
        table = doc.add_table(rows=1, cols=max(len(t["columns"]), 1))
        table.style = "Table Grid"
        hdr = table.rows[0]
        tr_pr = hdr._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, name in zip(hdr.cells, t["columns"]):
            cell.text = ""
            cell.paragraphs[0].add_run(name).bold = True
        for row in t["rows"]:
            cells = table.add_row().cells
            for cell, v in zip(cells, row):
                cell.text = v
        if t["shown_rows"] < t["n_rows"]:
            doc.add_paragraph(f"{t['shown_rows']} of {t['n_rows']} rows shown.")
    doc.save(str(path))
    normalise_zip(path)


def write_tables(tables: Sequence[Table], folder: Path) -> list[Path]:
    """One CSV per table in ``folder`` (UTF-8, Unix line ends)."""
    paths = []
    for t in tables:
        p = Path(folder) / f"{t.key}.csv"
        t.frame.to_csv(p, index=False, lineterminator="\n")
        paths.append(p)
    return paths


# --- stage -------------------------------------------------------------------------------------


def run_stage(
    params_path: Path | None,
    inputs: Inputs,
    *,
    tables_dir: Path,
    report_md: Path,
    report_html: Path,
    report_docx: Path,
    metrics_path: Path,
) -> Report:
    """Build the report and write every output (all or nothing)."""
    params = load_params(params_path).report
    started = time.perf_counter()
    report = build_report(inputs, params)
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    for stale in tables_dir.glob("*.csv"):  # a table no longer written must not linger
        if stale.stem not in {t.key for t in report.tables}:
            stale.unlink()
    csvs = [tables_dir / f"{t.key}.csv" for t in report.tables]
    xlsx = tables_dir / "report_tables.xlsx"
    targets = [*csvs, xlsx, Path(report_md), Path(report_html), Path(report_docx), metrics_path]
    with atomic_outputs(*targets) as tmp:
        for t, p in zip(report.tables, tmp):
            t.frame.to_csv(p, index=False, lineterminator="\n")
        n = len(csvs)
        write_xlsx(report.tables, tmp[n])
        tmp[n + 1].write_text(render_markdown(report), encoding="utf-8")
        tmp[n + 2].write_text(render_html(report), encoding="utf-8")
        write_docx(report, tmp[n + 3])
        metrics = {
            "tables": {t.key: len(t.frame) for t in report.tables},
            "n_tables": len(report.tables),
            "findings": sum(len(t.findings) for t in report.themes),
            "summary_quotes": sum(len(t.quotes) for t in report.themes),
            "quotes": len(report.table("quotes_bank").frame),
            "evidence_rows": len(report.evidence),
            "topics": inputs.topics is not None,
            "seconds": round(time.perf_counter() - started, 3),
        }
        write_json(tmp[n + 4], metrics)
    log.info(
        "report: %d tables, %d findings, %d quotes, %d evidence rows in %.1f s",
        metrics["n_tables"],
        metrics["findings"],
        metrics["quotes"],
        metrics["evidence_rows"],
        metrics["seconds"],
    )
    return report


def main(
    interviews: Path = typer.Option(..., help="anonymised interviews (parquet)"),
    segments: Path = typer.Option(..., help="segments (parquet), for quote text"),
    segment_codes: Path = typer.Option(..., help="per-segment codes (parquet)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    agreement: Path = typer.Option(None, help="outputs/metrics/coding_agreement.json"),
    turns: Path = typer.Option(
        None, help="anonymised turns (parquet), for the anonymisation summary"
    ),
    topics_dir: Path = typer.Option(
        None, help="the topics stage's folder (outputs/topics); omitted: topics not reported"
    ),
    tables_dir: Path = typer.Option(..., help="folder for the table CSVs and the XLSX"),
    report_md: Path = typer.Option(..., help="report to write (.md)"),
    report_html: Path = typer.Option(..., help="report to write (.html)"),
    report_docx: Path = typer.Option(..., help="report to write (.docx)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Build the evaluation report: tables, XLSX, and the Markdown, HTML and Word summary."""
    inputs = read_inputs(
        interviews,
        segments,
        segment_codes,
        codebook,
        agreement_path=agreement,
        turns_path=turns,
        pseudonyms=load_params(params).anonymise.pseudonyms,
        topics_dir=topics_dir,
    )
    run_stage(
        params,
        inputs,
        tables_dir=tables_dir,
        report_md=report_md,
        report_html=report_html,
        report_docx=report_docx,
        metrics_path=metrics,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
