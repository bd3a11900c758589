"""Private means private: the private area is a 0700 folder of 0600 files.

Every stage's door (:func:`pipeline.entry.guarded`) and ``qualeval run`` call
:func:`protect_private` with the stage's options before and after the stage: the private
folder is created (or tightened) to ``0700`` before anything is written into it, so no other
user can open a file there even in the moment before it is tightened to ``0600``. The folder
is found from the options: ``private`` itself, or any option whose path ends with a private
artefact's path in :mod:`pipeline.catalogue`. On Windows, where POSIX modes do not apply, the
calls are harmless no-ops (the folder's ACL governs).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_roots(options: Mapping[str, Any], module: str = "") -> set[Path]:
    """The private folders the options of the stage in ``module`` point into.

    Args:
        options: the stage's ``main`` keyword arguments.
        module: the module of the stage's ``main`` (``pipeline.anonymise.stage``).
    """
    from pipeline.stages import STAGES

    private_options: dict[str, tuple[str, ...]] = {}
    for stage in STAGES:
        if module == stage.module or module.startswith(stage.module + "."):
            for opt, art in stage.artefact_options():
                if art.area == "private":
                    private_options[opt] = PurePosixPath(art.relpath).parts
    roots: set[Path] = set()
    for name, value in options.items():
        if not isinstance(value, (str, Path)) or not str(value).strip():
            continue
        path, parts = Path(value), private_options.get(name)
        if name == "private":
            roots.add(path)
        elif parts and len(path.parts) > len(parts) and path.parts[-len(parts) :] == parts:
            roots.add(Path(*path.parts[: -len(parts)]))
    return roots


def protect_tree(root: Path, create: bool = False) -> None:
    """Make ``root`` and every folder under it 0700 and every file 0600 (links untouched)."""
    root = Path(root)
    if create:
        root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if not root.is_dir():
        return
    _chmod(root, DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            _chmod(Path(dirpath) / d, DIR_MODE)
        for f in filenames:
            _chmod(Path(dirpath) / f, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if not stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) != mode:
            path.chmod(mode)
    except OSError as exc:  # a file we do not own: say so, never fail the stage for it
        log.warning("%s: cannot restrict its permissions (%s)", path.name, exc.strerror)


def protect_private(options: Mapping[str, Any], module: str, create: bool = False) -> None:
    """Protect every private folder the options of the stage in ``module`` point into."""
    for root in sorted(private_roots(options, module)):
        protect_tree(root, create=create)
