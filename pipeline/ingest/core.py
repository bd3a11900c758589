"""The ingest stage's core: transcripts folder + metadata table -> the stage's tables.

:func:`iter_ingest` streams one file at a time (memory stays flat for large corpora);
:func:`ingest` collects the stream, applies the reject policy (ADR 0003) and builds the
DataFrames.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pipeline.errors import QualevalError
from pipeline.ingest.discover import discover
from pipeline.ingest.metadata import validate_metadata
from pipeline.ingest.parse import parse_transcript
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.roles import assign_roles, metadata_names
from pipeline.ingest.tables import (
    IngestResult,
    interview_row,
    preamble_rows,
    reject_row,
    to_frames,
    turn_rows,
)
from pipeline.params import IngestParams

log = logging.getLogger(__name__)

NO_RESPONDENT = (
    "no_respondent_turn",
    "no turn was assigned to a respondent, so nothing would be analysed; label the "
    "interviewee's turns (e.g. 'Respondent:'), name the interviewee in the metadata "
    "(interviewee column), or add their label to ingest.speaker_patterns.respondent",
)


def ingest_one(
    row: dict, rel: str, data: bytes, params: IngestParams
) -> tuple[list[dict], list[dict], dict, list[str]]:
    """Parse one transcript into turn rows, preamble rows and an interview summary row."""
    names = metadata_names(row, params)
    parsed = parse_transcript(rel, data, params, known_names=names)
    roles = assign_roles(parsed.turns, params, names)
    iid = row["interview_id"]
    turns = turn_rows(iid, rel, parsed, roles)
    pre = preamble_rows(iid, rel, parsed)
    summary = interview_row(row, parsed, turns, pre, len(roles))
    return turns, pre, summary, parsed.warnings


def iter_ingest(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    progress: bool = False,
    metadata_dir: Path | None = None,
) -> Iterator[tuple[str, object]]:
    """Stream ``("turns"|"preamble"|"interview"|"reject"|"warning", payload)`` per file.

    Streaming keeps memory flat for large corpora; :func:`ingest` collects it.
    ``metadata_dir`` (the metadata file's folder) lets ``file`` values be relative to it.
    """
    pairs, rejects = discover(Path(transcripts_dir), metadata, params, metadata_dir)
    for rej in rejects:
        yield "reject", rej
    for row, path in tqdm(pairs, desc="ingest", unit="file", disable=not progress, leave=False):
        rel = path.relative_to(transcripts_dir).as_posix()
        try:
            data = path.read_bytes()
            turns, pre, summary, warns = ingest_one(row, rel, data, params)
        except Rejected as exc:
            yield "reject", reject_row(rel, row["interview_id"], exc.reason, exc.message)
            continue
        except OSError as exc:
            message = f"cannot read ({exc.strerror})"
            yield "reject", reject_row(rel, row["interview_id"], "unreadable", message)
            continue
        if not summary["n_respondent_turns"]:
            yield "reject", reject_row(rel, row["interview_id"], *NO_RESPONDENT)
            continue
        for w in warns:
            yield "warning", f"{rel}: {w}"
        yield "turns", turns
        if pre:
            yield "preamble", pre
        yield "interview", summary


def ingest(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    source: str = "metadata",
    progress: bool = False,
    metadata_dir: Path | None = None,
) -> IngestResult:
    """Run the stage in memory (for tests, notebooks and ``qualeval run``).

    A listed file that cannot be ingested, and an interview with no respondent turn, are
    rejects: under ``strict`` (the default) they stop the run, every one listed at once;
    otherwise they are left out of every table (and counted in the metrics).

    ``metadata_dir`` is the metadata file's folder (``file`` values may be relative to it).

    Raises:
        QualevalError: for invalid metadata, any reject under ``strict``, or no usable
            transcript.
    """
    metadata = validate_metadata(metadata, source)
    turns, pre, interviews, rejects, warnings = [], [], [], [], []
    for kind, payload in iter_ingest(
        Path(transcripts_dir), metadata, params, progress, metadata_dir
    ):
        if kind == "reject":
            rejects.append(payload)
        elif kind == "warning":
            log.warning("%s", payload)
            warnings.append(payload)
        elif kind == "turns":
            turns.extend(payload)
        elif kind == "preamble":
            pre.extend(payload)
        else:
            interviews.append(payload)
    _handle_rejects(rejects, params)
    if not interviews:
        raise QualevalError(_nothing_ingested(rejects, transcripts_dir))
    return to_frames(turns, pre, interviews, rejects, warnings)


def _handle_rejects(rejects: list[dict], params: IngestParams) -> None:
    """Stop on any reject under ``strict``, listing them all; otherwise warn about each."""
    listed = [r for r in rejects if r["interview_id"]]  # the others are stray files
    lines = [f"{r['file']}: {r['message']} [{r['reason']}]" for r in listed]
    if listed and params.strict:
        raise QualevalError(
            f"{len(listed)} listed transcript(s) cannot be analysed:\n"
            + "\n".join(f"  {line}" for line in lines)
            + "\nFix each file (or its metadata row), or remove its row from the metadata; "
            "to leave them out and go on, set ingest.strict: false in params.yaml (the "
            "report then says how many were excluded and why)"
        )
    for line in lines:
        log.warning("excluded %s", line)
    for r in rejects:
        if not r["interview_id"]:
            log.warning("skipped %s: %s [%s]", r["file"], r["message"], r["reason"])


def _nothing_ingested(rejects: list[dict], where: Path) -> str:
    head = "; ".join(f"{r['file']}: {r['reason']}" for r in rejects[:10])
    more = f" (and {len(rejects) - 10} more)" if len(rejects) > 10 else ""
    return (
        f"{where}: no transcript could be ingested. {head}{more}. "
        "Check data.transcripts_dir and data.metadata in params.yaml"
    )
