"""Ingest stage: transcripts (.txt/.md, .docx, .vtt, .srt) + a metadata sheet -> speaker turns.

Layers: :mod:`.readers` turn a file's bytes into numbered units (text lines via
:mod:`.decode`, docx paragraphs and transcript-table rows, subtitle cues), one reader per
format registered in :data:`.readers.READERS` (Otter.ai .txt and Teams .docx recognised from
the content); :mod:`.labels` finds speaker labels; :mod:`.turns` builds segments and merges
them into turns (:mod:`.parse` for one file, :mod:`.advice` when a file yields none);
:mod:`.roles` assigns roles
(metadata names, ``ingest.speaker_patterns``, heuristic); :mod:`.metadata` reads and checks
the metadata sheet and :mod:`.discover` pairs its rows with files; :mod:`.tables` builds the
rows and holds the schemas.

:func:`ingest` (:mod:`.core`) works on a folder and a DataFrame; :func:`main` (:mod:`.stage`)
does the file I/O. Outputs are raw-derived (they still carry names) and belong in the
private area. The tables are described in ``docs/data-contracts.md``; the error policy in
``docs/adr/0003-ingest-error-policy.md``.
"""

from pipeline.ingest.core import ingest, ingest_one, iter_ingest
from pipeline.ingest.decode import decode
from pipeline.ingest.discover import discover
from pipeline.ingest.labels import speaker_key
from pipeline.ingest.metadata import read_metadata, validate_metadata
from pipeline.ingest.parse import ParsedTranscript, parse_transcript
from pipeline.ingest.readers import READERS, TranscriptReader, reader_for
from pipeline.ingest.rejected import Rejected
from pipeline.ingest.roles import (
    INTERVIEWER,
    NAME_COLUMN_ROLES,
    OTHER,
    RESPONDENT,
    assign_roles,
    name_keys,
)
from pipeline.ingest.stage import main, run_stage, write_outputs
from pipeline.ingest.tables import PREAMBLE_SCHEMA, REJECT_COLUMNS, TURN_SCHEMA, IngestResult
from pipeline.ingest.units import Line, Units

__all__ = [
    "INTERVIEWER",
    "NAME_COLUMN_ROLES",
    "OTHER",
    "PREAMBLE_SCHEMA",
    "READERS",
    "REJECT_COLUMNS",
    "RESPONDENT",
    "TURN_SCHEMA",
    "IngestResult",
    "Line",
    "ParsedTranscript",
    "Rejected",
    "TranscriptReader",
    "Units",
    "assign_roles",
    "decode",
    "discover",
    "ingest",
    "ingest_one",
    "iter_ingest",
    "main",
    "name_keys",
    "parse_transcript",
    "read_metadata",
    "reader_for",
    "run_stage",
    "speaker_key",
    "validate_metadata",
    "write_outputs",
]
