"""The transcripts folder, the metadata sheet and every file it lists (readable, within limits).

Parsing is left to the ingest stage (which lists every unreadable transcript at once); here
each listed file is checked for what stops a run before any parsing: a path outside the
transcripts folder, a link when links are refused, a file too big, or one that cannot be
opened.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.params import Params
from pipeline.validate.problems import Problems, RunSpec


def _metadata(spec: RunSpec, params: Params, problems: Problems) -> pd.DataFrame | None:
    from pipeline.metadata_sheet import read_metadata, validate_metadata

    surveys = bool(params.data.surveys or params.data.surveys_dir)
    if surveys and not spec.metadata.is_file():
        return None
    if not spec.metadata.is_file():
        fix = spec.origin("metadata", "data.metadata")
        problems.add(spec.metadata, f"metadata file not found; fix {fix}")
        return None
    got = problems.attempt(
        spec.metadata, lambda: validate_metadata(read_metadata(spec.metadata), str(spec.metadata))
    )
    return got if isinstance(got, pd.DataFrame) else None


def file_problem(path: Path, params: Params) -> str | None:
    """Why a listed transcript cannot be read before parsing (None when it can)."""
    ing = params.ingest
    if path.is_symlink() and not ing.follow_symlinks:
        return "is a symbolic link and ingest.follow_symlinks is false; copy the file in"
    try:
        size = path.stat().st_size
        if size > ing.max_file_mb * 1_000_000:
            return (
                f"{size / 1_000_000:.1f} MB is over the limit ingest.max_file_mb = "
                f"{ing.max_file_mb:g}; split the transcript or raise the limit"
            )
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror}); check its permissions"
    return None


#: the transcripts folder's files (relative path -> path) and its file names (name -> paths)
Files = tuple[dict[str, Path], dict[str, list[str]]]


def _listed(
    spec: RunSpec, row: dict, line: int, params: Params, problems: Problems, files: Files
) -> None:
    """A metadata row's ``file``: inside the folder, found as ingest finds it, and readable.

    ``files``: :data:`Files` (``files_on_disk`` and ``files_by_name`` of
    :mod:`pipeline.transcript_files`). A file not found is a problem under ``ingest.strict``
    (ingest would stop on it), else ingest's reject.
    """
    value = str(row["file"])
    from pipeline.metadata_sheet import escapes
    from pipeline.transcript_files import resolve_file

    why = escapes(value)
    if why:
        problems.add(
            spec.metadata,
            f"line {line}: file {value!r} {why}: refused, a transcript must lie inside the "
            "transcripts folder; write its path relative to that folder",
        )
        return
    on_disk, names = files
    rel, message = resolve_file(value, on_disk, names, spec.transcripts, spec.metadata.parent)
    if rel is None:
        if params.ingest.strict:
            problems.add(spec.metadata, f"line {line}: file {value!r} {message}")
        return
    why = file_problem(on_disk[rel], params)
    if why:
        problems.add(on_disk[rel], why)


def check_corpus(spec: RunSpec, params: Params, problems: Problems) -> None:
    """The transcripts folder, the metadata sheet and each file it lists."""
    meta = _metadata(spec, params, problems)
    problems.checked += 1
    surveys_only = bool(params.data.surveys or params.data.surveys_dir) and (
        meta is None or not len(meta)
    )
    if not spec.transcripts.is_dir():
        if not surveys_only:
            fix = spec.origin("transcripts", "data.transcripts_dir")
            what = "is a file" if spec.transcripts.exists() else "not found"
            problems.add(spec.transcripts, f"transcripts folder {what}; fix {fix}")
        return
    if meta is None:
        return
    from pipeline.transcript_files import files_by_name, files_on_disk

    on_disk = files_on_disk(spec.transcripts, params.ingest)
    files: Files = (on_disk, files_by_name(on_disk))
    for i, row in zip(meta.index, meta.to_dict("records")):
        problems.checked += 1
        _listed(spec, row, int(i) + 2, params, problems, files)
