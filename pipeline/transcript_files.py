"""Which file a metadata row's ``file`` names, read as the ingest stage reads it.

Shared by the ingest stage (which pairs rows with files) and the input check (which reports a
listed transcript that is missing before any stage runs): a row's ``file`` may be relative to
the transcripts folder (``HO01.txt``, ``wave2/HO01.txt``), relative to the metadata file
(``transcripts/HO01.txt``), or a bare name that matches exactly one file anywhere under the
transcripts folder; a bare name matching several is an error listing them.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from pipeline.params import IngestParams


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def files_on_disk(transcripts_dir: Path, params: IngestParams) -> dict[str, Path]:
    """``relative posix path -> path`` of every file not under an ``ingest.ignore`` pattern."""
    return {
        p.relative_to(transcripts_dir).as_posix(): p
        for p in sorted(transcripts_dir.rglob("*"))
        if p.is_file()
        and not any(_ignored(part, params.ignore) for part in p.relative_to(transcripts_dir).parts)
    }


def files_by_name(on_disk: dict[str, Path]) -> dict[str, list[str]]:
    """``file name -> relative paths`` of the files on disk with that name."""
    out: dict[str, list[str]] = {}
    for rel in on_disk:
        out.setdefault(Path(rel).name, []).append(rel)
    return out


def _metadata_relative(value: str, transcripts_dir: Path, metadata_dir: Path | None) -> str | None:
    """``value`` read relative to the metadata file, as a path inside the transcripts folder."""
    if metadata_dir is None:
        return None
    try:
        inside = (metadata_dir / value).resolve().relative_to(transcripts_dir.resolve())
    except (ValueError, OSError):
        return None
    return inside.as_posix()


def resolve_file(
    value: str,
    on_disk: dict[str, Path],
    by_name: dict[str, list[str]],
    transcripts_dir: Path,
    metadata_dir: Path | None,
) -> tuple[str | None, str]:
    """A metadata ``file`` value -> ``(relative path on disk or None, reject message)``.

    Tried in order: relative to the transcripts folder; relative to the metadata file
    (``transcripts/HO01.txt``); a bare name that matches exactly one file under the
    transcripts folder. A bare name matching several files is an error listing them.
    """
    rel = Path(value).as_posix()
    if rel in on_disk:
        return rel, ""
    via_meta = _metadata_relative(value, transcripts_dir, metadata_dir)
    if via_meta in on_disk:
        return via_meta, ""
    candidates = by_name.get(Path(value).name, [])
    if Path(value).name == rel and len(candidates) == 1:
        return candidates[0], ""
    if Path(value).name == rel and candidates:
        return None, (
            f"the name matches {len(candidates)} files under {transcripts_dir}: "
            f"{', '.join(sorted(candidates))}; write the path of the right one in the file column"
        )
    hint = f" (a file of that name is at {', '.join(sorted(candidates))})" if candidates else ""
    return None, (
        f"listed in the metadata but not found in {transcripts_dir}{hint}; write the path "
        "relative to the transcripts folder or to the metadata file, or add the transcript"
    )
