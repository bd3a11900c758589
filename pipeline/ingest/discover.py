"""Pair the metadata sheet's rows with the files in the transcripts folder.

A row's ``file`` is found as :mod:`pipeline.transcript_files` reads it (the input check reads
it the same way). A value that leaves the transcripts folder (an absolute path, or one with
``..``) is refused, whatever it points at. A transcript that is a symbolic link (an
evaluator's link to a secure drive) is read and logged, unless ``ingest.follow_symlinks`` is
false.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.ingest.tables import reject_row
from pipeline.metadata_sheet import escapes
from pipeline.params import IngestParams
from pipeline.transcript_files import files_by_name, files_on_disk, resolve_file

log = logging.getLogger(__name__)


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


def _link_reject(rel: str, path: Path, interview_id: str, params: IngestParams) -> dict | None:
    """Log a transcript that is a symbolic link; its reject when links are refused."""
    if not path.is_symlink():
        return None
    if not params.follow_symlinks:
        message = "a symbolic link, and ingest.follow_symlinks is false; copy the file in"
        return reject_row(rel, interview_id, "symlink", message)
    log.info("%s: a symbolic link to %s; followed (ingest.follow_symlinks)", rel, path.resolve())
    return None


def discover(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    metadata_dir: Path | None = None,
) -> tuple[list[tuple[dict, Path]], list[dict]]:
    """Pair metadata rows with files; files and rows that do not pair become rejects.

    Args:
        transcripts_dir: the transcripts folder.
        metadata: the checked metadata table.
        params: ingest parameters (ignore patterns, extensions).
        metadata_dir: the folder of the metadata file, for ``file`` values relative to it.

    Raises:
        QualevalError: when the transcripts folder does not exist.
    """
    if not transcripts_dir.is_dir():
        raise QualevalError(
            f"{transcripts_dir}: transcripts folder not found; fix --transcripts, or "
            "data.transcripts_dir in params.yaml"
        )
    on_disk = files_on_disk(transcripts_dir, params)
    by_name = files_by_name(on_disk)
    pairs, rejects = [], []
    listed = set()
    for row in metadata.to_dict("records"):
        outside = escapes(row["file"])
        if outside:
            message = (
                f"the path {outside}: refused, a transcript must lie inside the transcripts "
                "folder; write its path relative to that folder"
            )
            rejects.append(reject_row(row["file"], row["interview_id"], "outside_folder", message))
            continue
        rel, message = resolve_file(row["file"], on_disk, by_name, transcripts_dir, metadata_dir)
        if rel is None:
            reason = "ambiguous_file" if message.startswith("the name matches") else "file_missing"
            shown = Path(row["file"]).as_posix()
            rejects.append(reject_row(shown, row["interview_id"], reason, message))
            continue
        if rel in listed:
            message = f"another metadata row already names {rel}; each interview needs its own file"
            rejects.append(reject_row(rel, row["interview_id"], "duplicate_file", message))
            continue
        listed.add(rel)
        link = _link_reject(rel, on_disk[rel], row["interview_id"], params)
        if link:
            rejects.append(link)
            continue
        pairs.append((row, on_disk[rel]))
    rejects.extend(_unlisted_reject(rel, params) for rel in sorted(set(on_disk) - listed))
    return pairs, rejects
