"""The ingest stage's core: transcripts folder + metadata table -> the stage's tables.

:func:`iter_ingest` streams one file at a time (memory stays flat for large corpora);
:func:`ingest` collects the stream, applies the reject policy (ADR 0003) and builds the
DataFrames.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pipeline.engine import Engine, LocalEngine
from pipeline.errors import QualevalError
from pipeline.ingest.discover import discover
from pipeline.ingest.metadata import validate_metadata
from pipeline.ingest.parse import parse_transcript
from pipeline.ingest.participants import (
    case_columns,
    mark_generic_labels,
    participant_names,
    participant_rows,
    participants_frame,
)
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.roles import assign_roles, metadata_names
from pipeline.ingest.survey import iter_survey
from pipeline.ingest.tables import (
    IngestResult,
    interview_row,
    preamble_rows,
    reject_row,
    to_frames,
    turn_rows,
)
from pipeline.params import IngestParams, SurveyParams

log = logging.getLogger(__name__)

NO_RESPONDENT = (
    "no_respondent_turn",
    "no turn was assigned to a respondent, so nothing would be analysed; label the "
    "interviewee's turns (e.g. 'Respondent:'), name the interviewee in the metadata "
    "(interviewee column), or add their label to ingest.speaker_patterns.respondent",
)


def ingest_one(
    row: dict, rel: str, data: bytes, params: IngestParams, extra_names: dict | None = None
) -> tuple[list[dict], list[dict], dict, list[str]]:
    """Parse one transcript into turn rows, preamble rows and an interview summary row.

    ``extra_names`` (speaker -> role, e.g. focus-group participants) add to the metadata's
    name columns.
    """
    names = {**(extra_names or {}), **metadata_names(row, params)}
    parsed = parse_transcript(rel, data, params, known_names=names)
    roles = assign_roles(parsed.turns, params, names)
    iid = row["interview_id"]
    turns = turn_rows(iid, rel, parsed, roles)
    pre = preamble_rows(iid, rel, parsed)
    summary = interview_row(row, parsed, turns, pre, len(roles))
    return turns, pre, summary, parsed.warnings


def parse_files(params: IngestParams, items: list[tuple]) -> list[tuple[str, object]]:
    """Parse one partition of transcripts (runs on an engine's worker; pure).

    ``items``: ``(metadata row, relative path, bytes or an OSError's message, names)``; each
    gives ``("parsed", (path, turns, preamble, summary, warnings))`` or ``("reject", row)``.
    """
    out: list[tuple[str, object]] = []
    for row, rel, data, extra in items:
        if isinstance(data, str):
            message = f"cannot read ({data})"
            out.append(("reject", reject_row(rel, row["interview_id"], "unreadable", message)))
            continue
        try:
            turns, pre, summary, warns = ingest_one(row, rel, data, params, extra)
            mark_generic_labels(turns, extra, params)
        except Rejected as exc:
            out.append(("reject", reject_row(rel, row["interview_id"], exc.reason, exc.message)))
            continue
        out.append(("parsed", (rel, turns, pre, summary, warns)))
    return out


def _read_partitions(
    pairs: list[tuple[dict, Path]],
    transcripts_dir: Path,
    participants: pd.DataFrame | None,
    size: int,
    progress: bool,
) -> Iterator[list[tuple]]:
    """The files' bytes (or why they cannot be read), ``size`` files per partition."""
    part: list[tuple] = []
    for row, path in tqdm(pairs, desc="ingest", unit="file", disable=not progress, leave=False):
        rel = path.relative_to(transcripts_dir).as_posix()
        try:
            data: bytes | str = path.read_bytes()
        except OSError as exc:
            data = str(exc.strerror)
        part.append((row, rel, data, participant_names(participants, row["interview_id"])))
        if len(part) >= size:
            yield part
            part = []
    if part:
        yield part


def iter_ingest(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    progress: bool = False,
    metadata_dir: Path | None = None,
    participants: pd.DataFrame | None = None,
    engine: Engine | None = None,
) -> Iterator[tuple[str, object]]:
    """Stream ``("turns"|"preamble"|"interview"|"participants"|"reject"|"warning", payload)``.

    One group per file, in the metadata's order; streaming keeps memory flat for large
    corpora; :func:`ingest` collects it. With a participants sheet, each transcript's listed
    participants follow it. ``metadata_dir`` (the metadata file's folder) lets ``file``
    values be relative to it. ``engine`` parses partitions of files (default: here).
    """
    engine = engine or LocalEngine()
    pairs, rejects = discover(Path(transcripts_dir), metadata, params, metadata_dir)
    for rej in rejects:
        yield "reject", rej
    parts = _read_partitions(
        pairs, Path(transcripts_dir), participants, engine.partition_interviews, progress
    )
    for outcomes in engine.map(functools.partial(parse_files, params), parts):
        for kind, payload in outcomes:
            if kind == "reject":
                yield "reject", payload
            else:
                yield from _parsed_events(payload, participants)  # type: ignore[arg-type]


def _parsed_events(
    parsed: tuple, participants: pd.DataFrame | None
) -> Iterator[tuple[str, object]]:
    """The events of one parsed transcript (a reject when no turn is a respondent's)."""
    rel, turns, pre, summary, warns = parsed
    if not summary["n_respondent_turns"]:
        yield "reject", reject_row(rel, summary["interview_id"], *NO_RESPONDENT)
        return
    people, missing = participant_rows(participants, summary["interview_id"], turns)
    if participants is not None:
        summary.update(case_columns(len(people)))
    for w in [*warns, *missing]:
        yield "warning", f"{rel}: {w}"
    yield "turns", turns
    if pre:
        yield "preamble", pre
    if people:
        yield "participants", people
    yield "interview", summary


def _events(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    progress: bool,
    cases: tuple[Sequence[SurveyParams], pd.DataFrame | None],
    metadata_dir: Path | None = None,
    engine: Engine | None = None,
) -> Iterator[tuple[str, object]]:
    """The transcripts' events (when the metadata lists any), then each survey's."""
    surveys, participants = cases
    if len(metadata) or not surveys:
        yield from iter_ingest(
            Path(transcripts_dir), metadata, params, progress, metadata_dir, participants, engine
        )
    for spec in surveys:
        yield from iter_survey(spec)


def ingest(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    source: str = "metadata",
    progress: bool = False,
    metadata_dir: Path | None = None,
    surveys: Sequence[SurveyParams] = (),
    participants: pd.DataFrame | None = None,
    engine: Engine | None = None,
) -> IngestResult:
    """Run the stage in memory (for tests, notebooks and ``qualeval run``).

    A listed file that cannot be ingested, and an interview with no respondent turn, are
    rejects: under ``strict`` (the default) they stop the run, every one listed at once;
    otherwise they are left out of every table (and counted in the metrics). A survey
    respondent with no answer at all is recorded (``no_answers``) and never stops the run.

    ``metadata_dir`` is the metadata file's folder (``file`` values may be relative to it);
    ``surveys`` add one case per respondent (:mod:`.survey`); ``participants`` (a checked
    participants sheet, :mod:`.participants`) marks focus groups and their people;
    ``engine`` parses the transcripts in partitions (default: in this process).

    Raises:
        QualevalError: for invalid metadata, any reject under ``strict``, or no usable
            transcript.
    """
    metadata = validate_metadata(metadata, source)
    got: dict[str, list] = {k: [] for k in ("turns", "preamble", "interview", "participants")}
    rejects, warnings = [], []
    events = _events(
        transcripts_dir, metadata, params, progress, (surveys, participants), metadata_dir, engine
    )
    for kind, payload in events:
        if kind == "reject":
            rejects.append(payload)
        elif kind == "warning":
            log.warning("%s", payload)
            warnings.append(payload)
        elif kind == "interview":
            got["interview"].append(payload)
        else:
            got[kind].extend(payload)
    _handle_rejects(rejects, params)
    interviews = _complete_cases(got["interview"])
    if not interviews:
        raise QualevalError(_nothing_ingested(rejects, transcripts_dir))
    result = to_frames(got["turns"], got["preamble"], interviews, rejects, warnings)
    result.participants = participants_frame(got["participants"])
    return result


def _complete_cases(interviews: list[dict]) -> list[dict]:
    """Give every row the case columns any row has; a case id used twice is an error.

    Raises:
        QualevalError: when a survey respondent's id equals another case's id.
    """
    seen: dict[str, str] = {}
    for r in interviews:
        iid = r["interview_id"]
        if iid in seen:
            raise QualevalError(
                f"case id {iid!r} is used by {seen[iid]} and {r['file']}; set "
                "data.surveys[].id_prefix so survey respondents get ids of their own"
            )
        seen[iid] = r["file"]
    defaults = {"case_kind": "interview", "n_participants": 0, "n_blank_answers": 0}
    present = {k: v for k, v in defaults.items() if any(k in r for r in interviews)}
    return [{**r, **{k: v for k, v in present.items() if k not in r}} for r in interviews]


def _handle_rejects(rejects: list[dict], params: IngestParams) -> None:
    """Stop on any reject under ``strict``, listing them all; otherwise warn about each."""
    # stray files (no metadata row) and blank survey respondents never stop a run
    listed = [r for r in rejects if r["interview_id"] and r["reason"] != "no_answers"]
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
        if r not in listed:
            log.warning("skipped %s: %s [%s]", r["file"], r["message"], r["reason"])


def _nothing_ingested(rejects: list[dict], where: Path) -> str:
    head = "; ".join(f"{r['file']}: {r['reason']}" for r in rejects[:10])
    more = f" (and {len(rejects) - 10} more)" if len(rejects) > 10 else ""
    return (
        f"{where}: no transcript could be ingested. {head}{more}. "
        "Check data.transcripts_dir and data.metadata in params.yaml"
    )
