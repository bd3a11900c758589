"""The output folders: each a folder (or creatable), writable, and placed apart from the inputs.

``--out`` holding the transcripts (or the metadata) would put raw text where the leak gate
scans and where the outputs are shared; ``--private`` inside ``--out`` would share
raw-derived data. Both are refused here, before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.validate.problems import Problems, RunSpec


def _inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies under it (both resolved)."""
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def writable_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot receive files (None when it can, or can be created)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return f"{folder} is a file, not a folder; give a folder (it is created if missing)"
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return f"{folder}: no part of the path exists"
        probe = probe.parent
    if not probe.is_dir():
        return f"{folder}: {probe} is a file, so the folder cannot be created there"
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "is read-only" if probe == folder else f"cannot be created ({probe} is read-only)"
        return f"{folder} {what}; choose a folder you can write to"
    return None


def check_folders(spec: RunSpec, problems: Problems) -> None:
    """Record the problems of the shareable and the private folder."""
    out_name = spec.name("out", "the outputs folder")
    priv_name = spec.name("private", "the private folder")
    for name, folder in ((out_name, spec.outputs), (priv_name, spec.private)):
        problems.checked += 1
        why = writable_problem(folder)
        if why:
            problems.add(name, why)
    if _inside(spec.private, spec.outputs):
        problems.add(
            priv_name,
            f"{spec.private} lies inside {out_name} {spec.outputs}; raw-derived data must never "
            "sit with the shareable outputs: choose a folder outside it",
        )
    held = [
        f"{what} ({spec.origin(flag, setting)})"
        for what, path, flag, setting in (
            ("the transcripts folder", spec.transcripts, "transcripts", "data.transcripts_dir"),
            ("the metadata sheet", spec.metadata, "metadata", "data.metadata"),
        )
        if path.exists() and _inside(path, spec.outputs)
    ]
    if held:
        problems.add(
            out_name,
            f"{spec.outputs} holds {' and '.join(held)}: the shareable outputs must never "
            "contain raw transcripts; choose an output folder outside the inputs",
        )
    if spec.transcripts.exists() and _inside(spec.outputs, spec.transcripts):
        problems.add(
            out_name,
            f"{spec.outputs} lies inside the transcripts folder {spec.transcripts}; choose an "
            "output folder outside the inputs",
        )
