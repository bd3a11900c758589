"""``qualeval init``: write a self-contained evaluation project from the packaged template.

The template (``pipeline/templates/project/``, package data) holds a commented ``params.yaml``
with data paths relative to the project, empty-but-commented evaluator files, a codebook and a
metadata template, the researcher notebooks and a short README. ``dvc.yaml`` is generated from
the stage table (:func:`pipeline.dvcfile.render` with the installed ``qualeval`` commands), and
``params.yaml`` records the installed version (``qualeval_version``), a params dependency of
every stage, so upgrading qualeval re-runs them.
"""

from __future__ import annotations

import logging
from importlib import metadata
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from pipeline.errors import QualevalError

log = logging.getLogger(__name__)

TEMPLATE = files("pipeline") / "templates" / "project"
# template file name -> project file name (dot files are not reliably package data)
RENAMES = {"gitignore": ".gitignore"}
VERSION_MARK = "__QUALEVAL_VERSION__"
VERSION_LINE = "qualeval_version:"
EMPTY_DIRS = ("private", "outputs")


def installed_version() -> str:
    """The installed qualeval's version (``0+unknown`` when not installed)."""
    try:
        return metadata.version("qualeval")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _template_files(folder: Traversable, prefix: str = "") -> dict[str, Traversable]:
    """Project path (POSIX) -> template file, for every file under ``folder``."""
    found: dict[str, Traversable] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name in ("__pycache__", ".ipynb_checkpoints"):
            continue
        name = prefix + RENAMES.get(entry.name, entry.name)
        if entry.is_dir():
            found.update(_template_files(entry, name + "/"))
        else:
            found[name] = entry
    return found


def project_files(version: str | None = None) -> dict[str, bytes]:
    """Every file ``qualeval init`` writes: project path -> content."""
    from pipeline.dvcfile import render

    version = installed_version() if version is None else version
    out = {name: entry.read_bytes() for name, entry in _template_files(TEMPLATE).items()}
    params = out["params.yaml"].decode("utf-8")
    out["params.yaml"] = params.replace(VERSION_MARK, version).encode("utf-8")
    out["dvc.yaml"] = render(command="qualeval").encode("utf-8")
    return out


def _set_version(params: Path, version: str) -> bool:
    """Rewrite the ``qualeval_version`` line of an existing params file; True if it changed."""
    lines = params.read_text(encoding="utf-8").splitlines(keepends=True)
    new = f'{VERSION_LINE} "{version}"\n'
    for i, line in enumerate(lines):
        if line.startswith(VERSION_LINE):
            if line == new:
                return False
            lines[i] = new
            params.write_text("".join(lines), encoding="utf-8")
            return True
    return False


def init_project(target: Path, force: bool = False, version: str | None = None) -> list[Path]:
    """Write the project into ``target``; return the files written.

    With ``force``, only files that are missing are added (and ``qualeval_version`` in an
    existing ``params.yaml`` is brought up to date, so DVC re-runs every stage); nothing the
    evaluator wrote is overwritten.

    Raises:
        QualevalError: when ``target`` is a file, or a non-empty folder without ``force``.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise QualevalError(f"{target}: not a folder; choose a new folder for the evaluation")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise QualevalError(
            f"{target}: folder is not empty; choose a new folder, or pass --force to add "
            "only the files that are missing (nothing is overwritten)"
        )
    version = installed_version() if version is None else version
    written = []
    for name, content in project_files(version).items():
        path = target / name
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    for name in EMPTY_DIRS:
        (target / name).mkdir(exist_ok=True)
    params = target / "params.yaml"
    if params not in written and params.is_file() and _set_version(params, version):
        log.info("params.yaml: qualeval_version set to %s (dvc repro re-runs every stage)", version)
    log.info("wrote %d file(s) to %s", len(written), target)
    return written
