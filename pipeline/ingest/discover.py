"""Pair the metadata sheet's rows with the files in the transcripts folder."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.ingest.tables import reject_row
from pipeline.params import IngestParams


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _files_on_disk(transcripts_dir: Path, params: IngestParams) -> dict[str, Path]:
    """``relative posix path -> path`` of every file not under an ``ingest.ignore`` pattern."""
    return {
        p.relative_to(transcripts_dir).as_posix(): p
        for p in sorted(transcripts_dir.rglob("*"))
        if p.is_file()
        and not any(_ignored(part, params.ignore) for part in p.relative_to(transcripts_dir).parts)
    }


def _unlisted_reject(rel: str, params: IngestParams) -> dict[str, str]:
    """The reject of a file no metadata row names: a transcript, or an unsupported type."""
    ext = Path(rel).suffix.lower()
    if ext in params.extensions:
        reason, msg = (
            "no_metadata_row",
            "no metadata row names this file; add a row (interview_id, file, role, region, ...)",
        )
    else:
        reason, msg = (
            "unknown_extension",
            f"unsupported file type {ext or '(none)'}; supported: {', '.join(params.extensions)}",
        )
    return reject_row(rel, "", reason, msg)


def discover(
    transcripts_dir: Path, metadata: pd.DataFrame, params: IngestParams
) -> tuple[list[tuple[dict, Path]], list[dict]]:
    """Pair metadata rows with files; files and rows that do not pair become rejects.

    Raises:
        QualevalError: when the transcripts folder does not exist.
    """
    if not transcripts_dir.is_dir():
        raise QualevalError(
            f"{transcripts_dir}: transcripts folder not found; "
            "set data.transcripts_dir in params.yaml"
        )
    on_disk = _files_on_disk(transcripts_dir, params)
    pairs, rejects = [], []
    listed = set()
    for row in metadata.to_dict("records"):
        rel = Path(row["file"]).as_posix()
        listed.add(rel)
        if rel not in on_disk:
            message = (
                f"listed in the metadata but not found in {transcripts_dir}; "
                "fix the file name or add the transcript"
            )
            rejects.append(reject_row(rel, row["interview_id"], "file_missing", message))
            continue
        pairs.append((row, on_disk[rel]))
    rejects.extend(_unlisted_reject(rel, params) for rel in sorted(set(on_disk) - listed))
    return pairs, rejects
