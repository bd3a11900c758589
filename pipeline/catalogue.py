"""The artefact catalogue: every file a stage writes, with its place, columns and writer.

One list, read by the stage table (:mod:`pipeline.stages`), ``qualeval run``, the generated
``dvc.yaml`` (:mod:`pipeline.dvcfile`), the stage readers and the tests that keep
``docs/data-contracts.md`` honest. A path is given relative to its *area*: ``outputs``
(shareable; the leak gate scans it) or ``private`` (derived from raw transcripts; never
shared). Column tuples are the stable columns of a table, in order; a table whose columns
depend on the evaluation (cross-tabulations with one column per group) declares none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.errors import QualevalError

Area = Literal["outputs", "private"]
Kind = Literal["table", "file", "folder", "metrics", "plots"]


@dataclass(frozen=True)
class Artefact:
    """One file (or folder) a stage writes.

    Attributes:
        key: the name stages and the stage table use for it.
        area: ``outputs`` (shareable) or ``private`` (raw-derived).
        relpath: the path inside its area, with ``/`` separators.
        writer: the stage that writes it.
        kind: ``table`` (parquet/CSV with stable columns), ``file``, ``folder`` (DVC tracks it
            whole), ``metrics`` (DVC metrics JSON) or ``plots`` (a CSV series DVC plots).
        columns: the stable columns of a table, in order.
        description: one line for people.
        dtypes: the logical type of each column of a parquet table, same order (``string``,
            ``int32``, ``int64``, ``float64``, ``bool``, ``vector``); empty for CSV tables.
        tracked: DVC tracks it as an out (a folder that only holds other artefacts, such as
            the topics folder, is named by an option but tracked file by file).
    """

    key: str
    area: Area
    relpath: str
    writer: str
    kind: Kind = "file"
    columns: tuple[str, ...] = ()
    description: str = ""
    tracked: bool = True
    dtypes: tuple[str, ...] = ()

    @property
    def repo_path(self) -> str:
        """The path in the sample project (``outputs/...`` or ``private/...``)."""
        return f"{self.area}/{self.relpath}"

    def path(self, outputs: Path, private: Path) -> Path:
        """Where the artefact lives for a run with these two folders."""
        root = Path(outputs) if self.area == "outputs" else Path(private)
        return root.joinpath(*self.relpath.split("/"))


def _a(
    key: str,
    area: Area,
    relpath: str,
    writer: str,
    kind: Kind = "file",
    *,
    columns: tuple[str, ...] = (),
    d: str = "",
    tracked: bool = True,
) -> Artefact:
    dtypes = _DTYPES.get(key, ())
    if dtypes and len(dtypes) != len(columns):
        raise ValueError(f"catalogue: {key}: {len(columns)} columns but {len(dtypes)} dtypes")
    return Artefact(key, area, relpath, writer, kind, tuple(columns), d, tracked, dtypes)


_S, _I32, _I64, _F64 = "string", "int32", "int64", "float64"
# the parquet tables' column types (turn_index is int32 in the turns and segments, int64 in
# the tables built by grouping; kept as written so outputs stay byte-stable)
_DTYPES: dict[str, tuple[str, ...]] = {
    "turns_raw": (_S, _I32, _S, _S, _S, _S, _I32, _S, _S, _I32, _I32, _F64, _F64),
    "preamble": (_S, _S, _S, _S, _I32, _I32),
    "turns": (_S, _I32, _S, _S, _S, _I32, _I32, _F64, _F64),
    "anonymisation_mentions": (_S, _I64, _I64, _I64, _S, _S, _S, _S, _S, _F64),
    "segments": (_S, _S, _I32, _I32, _I32, _I32, _S, _I32),
    "dropped_turns": (_S, _I64, _S, _S),
    "codebook_vectors": (_S, _S, _S, "vector"),
    "segment_codes": (_S, _I64, _S, _I64, _I64, _S, _F64, _S, _S),
    "turn_codes": (_S, _I64, _S, _F64, _I32, _S, _S),
    "stance": (_S, _S, _I64, _S, _S, _F64, _F64, _F64),
    "stance_turns": (_S, _I64, _S, _S, _F64, _F64, _F64, _I64, _S),
    "stance_interviews": (_S, _S, _S, _I64, _I64, _I64, _I64, _I64),
    "turn_scores": (_S, _I64, _S, _F64, _F64, "bool"),
    "prevalence": (_S, _I64, _I64, _F64, _F64, _F64, "bool", _S),
    "topics": (_I32, _S, _S, _I32, _I32, _F64, _S, _F64, _F64, "bool", _S),
    "topics_dropped": (_S, _S, _I32, _S),
    "segment_topics": (_S, _S, _I32, _I32, _I32, _F64),
    "topic_quotes": (_I32, _I32, _S, _S, _I32, _S),
}


# the topics table, written as parquet and as an identical CSV
_TOPIC_COLUMNS = (
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "share",
    "top_code_id",
    "top_code_share",
    "coded_share",
    "emergent",
    "representative",
)

ARTEFACTS: tuple[Artefact, ...] = (
    # validate
    _a(
        "validate_metrics",
        "outputs",
        "metrics/validate.json",
        "validate",
        "metrics",
        d="the up-front input check's verdict (every input checked before anything is written)",
    ),
    # ingest
    _a(
        "turns_raw",
        "private",
        "turns.parquet",
        "ingest",
        "table",
        d="one row per speaker turn",
        columns=(
            "interview_id",
            "turn_index",
            "speaker_label",
            "speaker_role",
            "role_rule",
            "text",
            "n_words",
            "source_file",
            "source_unit",
            "source_start",
            "source_end",
            "start_s",
            "end_s",
        ),
    ),
    _a(
        "preamble",
        "private",
        "preamble.parquet",
        "ingest",
        "table",
        d="header text before the first turn",
        columns=(
            "interview_id",
            "text",
            "source_file",
            "source_unit",
            "source_start",
            "source_end",
        ),
    ),
    _a(
        "interviews_raw",
        "private",
        "interviews.parquet",
        "ingest",
        "table",
        d="one row per ingested interview: the metadata columns as given, then counts",
    ),
    _a(
        "participants",
        "private",
        "participants.parquet",
        "ingest",
        "table",
        d="one row per focus-group participant of data.participants, with attributes",
        columns=("interview_id", "speaker_label", "n_turns", "n_words"),
    ),
    _a(
        "ingest_rejects",
        "private",
        "ingest_rejects.csv",
        "ingest",
        "table",
        d="files that were not ingested, with the reason",
        columns=("file", "interview_id", "reason", "message"),
    ),
    _a(
        "withdrawals_log",
        "private",
        "withdrawals_log.csv",
        "ingest",
        "table",
        d="the private audit log of the withdrawals applied (data.withdrawals)",
        columns=("interview_id", "scope", "reason", "turns_removed", "passages_struck"),
    ),
    _a("ingest_metrics", "outputs", "metrics/ingest.json", "ingest", "metrics"),
    # anonymise
    _a(
        "turns",
        "outputs",
        "anonymised/turns.parquet",
        "anonymise",
        "table",
        d="one row per turn, identifiers replaced",
        columns=(
            "interview_id",
            "turn_index",
            "speaker",
            "speaker_role",
            "text",
            "n_words",
            "n_replacements",
            "start_s",
            "end_s",
        ),
    ),
    _a(
        "interviews",
        "outputs",
        "anonymised/interviews.parquet",
        "anonymise",
        "table",
        d="one row per interview: id, the shareable metadata columns, counts",
    ),
    _a(
        "participants_safe",
        "outputs",
        "anonymised/participants.parquet",
        "anonymise",
        "table",
        d="one row per focus-group participant: speaker pseudonym, shareable attributes",
        columns=("interview_id", "speaker", "n_turns", "n_words"),
    ),
    _a(
        "anonymisation_key",
        "private",
        "anonymisation_key.json",
        "anonymise",
        d="the pseudonym key (encrypted when QUALEVAL_KEY_SECRET is set)",
    ),
    _a(
        "anonymisation_review",
        "private",
        "anonymisation_review.csv",
        "anonymise",
        "table",
        d="one row per entity, for the reviewer",
        columns=(
            "entity_id",
            "pseudonym",
            "entity_type",
            "text",
            "status",
            "recognisers",
            "max_score",
            "n_mentions",
            "n_interviews",
            "interviews",
            "context",
            "decision",
            "link_to",
            "note",
        ),
    ),
    _a(
        "anonymisation_mentions",
        "private",
        "anonymisation_mentions.parquet",
        "anonymise",
        "table",
        d="every replaced mention with its offsets and recogniser",
        columns=(
            "interview_id",
            "turn_index",
            "start",
            "end",
            "text",
            "entity_type",
            "entity_id",
            "pseudonym",
            "recogniser",
            "score",
        ),
    ),
    _a(
        "anonymisation_gold_leaks",
        "private",
        "anonymisation_gold_leaks.csv",
        "anonymise",
        "table",
        d="gold identifiers that survived (sample gold only)",
        columns=("interview_id", "text", "surviving", "original"),
    ),
    _a("anonymise_metrics", "outputs", "metrics/anonymise.json", "anonymise", "metrics"),
    _a(
        "anonymise_residual",
        "outputs",
        "metrics/anonymise_residual.json",
        "anonymise",
        "metrics",
        d="the residual-risk scan of the anonymised turns: counts only, no timings",
    ),
    # embed
    _a(
        "segments",
        "outputs",
        "segments/segments.parquet",
        "embed",
        "table",
        d="sentence segments of respondent turns with offsets",
        columns=(
            "segment_id",
            "interview_id",
            "turn_index",
            "segment_index",
            "start",
            "end",
            "text",
            "n_words",
        ),
    ),
    _a(
        "embeddings",
        "outputs",
        "segments/embeddings.npy",
        "embed",
        d="one L2-normalised embedding row per segment",
    ),
    _a(
        "question_embeddings",
        "outputs",
        "segments/question_embeddings.npy",
        "embed",
        d="one row per segment: the embedding of the interviewer's question before its turn "
        "(zeros where there is none)",
    ),
    _a(
        "dropped_turns",
        "outputs",
        "segments/dropped_turns.parquet",
        "embed",
        "table",
        d="turns not segmented, with the reason",
        columns=("interview_id", "turn_index", "speaker_role", "reason"),
    ),
    _a("embed_metrics", "outputs", "metrics/embed.json", "embed", "metrics"),
    # embed_codebook
    _a(
        "codebook_vectors",
        "outputs",
        "coding/codebook_vectors.parquet",
        "embed_codebook",
        "table",
        d="the codebook's material as vectors",
        columns=("code_id", "kind", "text", "vector"),
    ),
    _a(
        "embed_codebook_metrics",
        "outputs",
        "metrics/embed_codebook.json",
        "embed_codebook",
        "metrics",
    ),
    # code
    _a(
        "segment_codes",
        "outputs",
        "coding/segment_codes.parquet",
        "code",
        "table",
        d="one row per code placed on a segment",
        columns=(
            "interview_id",
            "turn_index",
            "segment_id",
            "start",
            "end",
            "code_id",
            "score",
            "method",
            "evidence",
        ),
    ),
    _a(
        "turn_codes",
        "outputs",
        "coding/turn_codes.parquet",
        "code",
        "table",
        d="one row per code applied to a respondent turn",
        columns=(
            "interview_id",
            "turn_index",
            "code_id",
            "score",
            "n_segments",
            "methods",
            "evidence",
        ),
    ),
    _a(
        "thresholds",
        "outputs",
        "coding/thresholds.csv",
        "code",
        "table",
        d="each code's decision threshold",
        columns=("code_id", "threshold_mean", "threshold_min", "threshold_max"),
    ),
    _a(
        "turn_scores",
        "outputs",
        "coding/turn_scores.parquet",
        "code",
        "table",
        d="every (respondent turn, code): the machine's score, threshold and decision",
        columns=("interview_id", "turn_index", "code_id", "score", "threshold", "machine"),
    ),
    _a("coding_metrics", "outputs", "metrics/coding.json", "code", "metrics"),
    # compare
    _a(
        "comparison",
        "outputs",
        "coding/comparison.csv",
        "compare",
        "table",
        d="per-code agreement with human codes",
        columns=(
            "code_id",
            "support",
            "predicted",
            "true_positives",
            "precision",
            "recall",
            "f1",
            "kappa",
            "agreement",
        ),
    ),
    _a(
        "review_sheet",
        "outputs",
        "coding/review_sheet.xlsx",
        "compare",
        d="one row per respondent turn for a reviewer: the proposed batch first",
    ),
    _a(
        "prevalence",
        "outputs",
        "coding/prevalence.parquet",
        "compare",
        "table",
        d="interviews raising each code, with an adjusted estimate and 95% interval",
        columns=(
            "code_id",
            "interviews",
            "interviews_total",
            "estimate",
            "lower",
            "upper",
            "validated",
            "basis",
        ),
    ),
    _a("coding_agreement", "outputs", "metrics/coding_agreement.json", "compare", "metrics"),
    # stance
    _a(
        "stance",
        "outputs",
        "coding/stance.parquet",
        "stance",
        "table",
        d="stance towards its code's aspect of each coded segment",
        columns=(
            "segment_id",
            "interview_id",
            "turn_index",
            "code_id",
            "stance",
            "score",
            "positive",
            "negative",
        ),
    ),
    _a(
        "stance_turns",
        "outputs",
        "coding/stance_turns.parquet",
        "stance",
        "table",
        d="stance towards its code's aspect of each coded turn",
        columns=(
            "interview_id",
            "turn_index",
            "code_id",
            "stance",
            "score",
            "positive",
            "negative",
            "n_segments",
            "evidence_segment_id",
        ),
    ),
    _a(
        "stance_interviews",
        "outputs",
        "coding/stance_interviews.parquet",
        "stance",
        "table",
        d="each interview's stance towards each code it raised",
        columns=(
            "interview_id",
            "code_id",
            "stance",
            "n_turns",
            "positive",
            "negative",
            "mixed",
            "neutral",
        ),
    ),
    _a("stance_metrics", "outputs", "metrics/stance.json", "stance", "metrics"),
    # topics
    _a(
        "topics_dir",
        "outputs",
        "topics",
        "topics",
        "folder",
        d="the topics stage's folder",
        tracked=False,
    ),
    _a(
        "topics",
        "outputs",
        "topics/topics.parquet",
        "topics",
        "table",
        d="one row per topic",
        columns=_TOPIC_COLUMNS,
    ),
    _a(
        "topics_csv",
        "outputs",
        "topics/topics.csv",
        "topics",
        "table",
        d="the topics table as CSV",
        columns=_TOPIC_COLUMNS,
    ),
    _a(
        "segment_topics",
        "outputs",
        "topics/segment_topics.parquet",
        "topics",
        "table",
        d="each clustered segment's topic",
        columns=(
            "segment_id",
            "interview_id",
            "turn_index",
            "topic_id",
            "initial_topic_id",
            "probability",
        ),
    ),
    _a(
        "topic_quotes",
        "outputs",
        "topics/topic_quotes.parquet",
        "topics",
        "table",
        d="representative segments per topic",
        columns=("topic_id", "rank", "segment_id", "interview_id", "turn_index", "text"),
    ),
    _a(
        "topic_codes",
        "outputs",
        "topics/topic_codes.csv",
        "topics",
        "table",
        d="how each topic's segments are coded",
        columns=("topic_id", "code_id", "n_segments", "share"),
    ),
    _a(
        "emergent_topics",
        "outputs",
        "topics/emergent_topics.csv",
        "topics",
        "table",
        d="topics the codebook does not explain well",
        columns=(
            "topic_id",
            "label",
            "keywords",
            "n_segments",
            "n_interviews",
            "top_code_id",
            "top_code_share",
            "coded_share",
            "reason",
            "basis",
        ),
    ),
    _a(
        "topics_dropped",
        "outputs",
        "topics/dropped_segments.parquet",
        "topics",
        "table",
        d="segments left out of topic modelling as non-analytic, with the reason",
        columns=("segment_id", "interview_id", "turn_index", "reason"),
    ),
    _a(
        "candidate_codes",
        "outputs",
        "topics/candidate_codes.yaml",
        "topics",
        d="each emergent topic as a draft codebook entry",
    ),
    _a("topics_map", "outputs", "topics/topics_map.html", "topics", d="intertopic distance map"),
    _a(
        "topics_barchart",
        "outputs",
        "topics/topics_barchart.html",
        "topics",
        d="top words per topic",
    ),
    _a(
        "topics_hierarchy", "outputs", "topics/topics_hierarchy.html", "topics", d="topic hierarchy"
    ),
    _a("topics_metrics", "outputs", "metrics/topics.json", "topics", "metrics"),
    # report: the commissioner pack (outputs/report/) and the researcher pack's tables
    # (outputs/analysis/tables/); see docs/adr/0023-commissioner-and-researcher-packs.md
    _a(
        "report_readme",
        "outputs",
        "report/README.md",
        "report",
        d="who the commissioner pack is for and what each file holds",
    ),
    _a(
        "tables_dir",
        "outputs",
        "report/tables",
        "report",
        "folder",
        d="the commissioner's tables: every published table as CSV and report_tables.xlsx",
    ),
    _a(
        "cooccurrence",
        "outputs",
        "report/tables/cooccurrence.csv",
        "report",
        "table",
        tracked=False,
        d="pairs of sub-themes meeting in an interview",
        columns=("code_a", "theme_a", "code_b", "theme_b", "n_interviews", "n_segments"),
    ),
    _a(
        "charts_dir",
        "outputs",
        "report/charts",
        "report",
        "folder",
        d="the report's charts as PNG (deterministic bytes) with their alt text",
    ),
    _a(
        "plot_theme_prevalence",
        "outputs",
        "report/plots/theme_prevalence.csv",
        "report",
        "plots",
        d="the series of the prevalence-by-theme chart (a DVC plot)",
        columns=("label", "parent_theme", "interviews", "of", "percent"),
    ),
    _a(
        "plot_group_prevalence",
        "outputs",
        "report/plots/group_prevalence.csv",
        "report",
        "plots",
        d="the series of the prevalence-by-group chart (a DVC plot; small cells left empty)",
        columns=("label", "theme", "group", "interviews", "of", "percent"),
    ),
    _a("report_md", "outputs", "report/report.md", "report", d="the report, Markdown"),
    _a(
        "report_html",
        "outputs",
        "report/report.html",
        "report",
        d="the report, one offline HTML file with a print stylesheet",
    ),
    _a("report_docx", "outputs", "report/report.docx", "report", d="the report, Word (A4)"),
    _a(
        "report_pdf",
        "outputs",
        "report/report.pdf",
        "report",
        tracked=False,
        d="the report, PDF printed from the HTML by headless Chromium (only where installed)",
    ),
    _a(
        "analysis_tables_dir",
        "outputs",
        "analysis/tables",
        "report",
        "folder",
        d="the evaluation team's tables: every table whole, with segment and interview ids",
    ),
    _a(
        "evidence",
        "outputs",
        "analysis/tables/evidence.csv",
        "report",
        "table",
        tracked=False,
        d="the segments behind every figure of the report",
        columns=("table", "row_key", "column_key", "interview_id", "segment_id"),
    ),
    _a(
        "evidence_parquet",
        "outputs",
        "analysis/tables/evidence.parquet",
        "report",
        "table",
        tracked=False,
        d="the evidence as parquet (text columns, one row group per 100,000 rows)",
        columns=("table", "row_key", "column_key", "interview_id", "segment_id"),
    ),
    _a(
        "quotes_bank",
        "outputs",
        "analysis/tables/quotes_bank.csv",
        "report",
        "table",
        tracked=False,
        d="the best quotes per sub-theme, attributed from metadata, with their segment ids",
        columns=("code_id", "theme", "rank", "quote", "attribution", "segment_id"),
    ),
    _a(
        "report_emergent_topics",
        "outputs",
        "analysis/tables/emergent_topics.csv",
        "report",
        "table",
        tracked=False,
        d="emergent topics as the report shows them, with the quote's segment id",
        columns=(
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
        ),
    ),
    _a("report_metrics", "outputs", "metrics/report.json", "report", "metrics"),
    # notebooks
    _a(
        "notebooks_html",
        "outputs",
        "notebooks",
        "notebooks",
        "folder",
        d="the researcher notebooks, executed and rendered as HTML",
    ),
    _a("notebooks_metrics", "outputs", "metrics/notebooks.json", "notebooks", "metrics"),
    # export
    _a(
        "qdpx",
        "outputs",
        "analysis/qualeval.qdpx",
        "export",
        d="the coded, anonymised transcripts as a REFI-QDA project (researcher pack)",
    ),
    _a("export_metrics", "outputs", "metrics/export.json", "export", "metrics"),
    # verify
    _a(
        "verify_report",
        "private",
        "verify_report.csv",
        "verify",
        "table",
        d="every identifier the leak gate found, with its file",
        columns=("file", "identifier", "entity_type", "pseudonym", "problem"),
    ),
    _a("verify_metrics", "outputs", "metrics/verify.json", "verify", "metrics"),
)

_BY_KEY = {a.key: a for a in ARTEFACTS}


def artefact(key: str) -> Artefact:
    """The artefact called ``key``.

    Raises:
        QualevalError: for an unknown key (a programming error, named for the developer).
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        raise QualevalError(f"artefact catalogue: no artefact '{key}'") from None


def columns(key: str) -> tuple[str, ...]:
    """The stable columns of the table ``key``."""
    return artefact(key).columns


def required(key: str, *names: str) -> tuple[str, ...]:
    """The columns ``names`` a reader needs of table ``key``, checked against the catalogue.

    A reader declares its needs with this at import time, so a reader asking for a column
    its writer does not write fails at once, not on a user's data.

    Raises:
        QualevalError: when a name is not a column of ``key``.
    """
    unknown = [n for n in names if n not in columns(key)]
    if unknown:
        raise QualevalError(f"artefact catalogue: {key} has no column(s) {', '.join(unknown)}")
    return names


def written_by(stage: str) -> tuple[Artefact, ...]:
    """The artefacts ``stage`` writes, in catalogue order."""
    return tuple(a for a in ARTEFACTS if a.writer == stage)
