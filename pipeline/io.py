"""File helpers shared by the stages: all-or-nothing writes, JSON metrics, stable Office zips."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipeline.errors import QualevalError


@contextlib.contextmanager
def atomic_outputs(*targets: Path) -> Iterator[list[Path]]:
    """Yield temporary paths for ``targets``; move them into place only if the block succeeds.

    Every temporary file sits in its target's folder (so the final rename is atomic) and is
    deleted if the block raises, so a failed run never leaves a half-written output. A
    target the block did not create is left as it was.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            os.unlink(name)
            temps.append(Path(name))
        yield temps
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in zip(temps, targets):
        if tmp.exists():
            os.replace(tmp, target)


@contextlib.contextmanager
def atomic_files(targets: Mapping[str, Path]) -> Iterator[dict[str, Path]]:
    """:func:`atomic_outputs` keyed by name: ``tmp["segments"]`` instead of ``tmp[0]``.

    Args:
        targets: name (usually the artefact key of :mod:`pipeline.catalogue`) -> final path.

    Yields:
        The same names mapped to temporary paths beside their targets; every file the block
        wrote is moved into place only if the block succeeds.
    """
    names = list(targets)
    with atomic_outputs(*(targets[n] for n in names)) as temps:
        yield dict(zip(names, temps))


def optional_path(path: Path | str | None) -> Path | None:
    """``None`` for an unset path, including ``None``/``null`` rendered by ``dvc.yaml``."""
    if path is None or str(path).strip().lower() in ("", "none", "null"):
        return None
    return Path(path)


DEFAULT_PARAMS_FILE = Path("params.yaml")


def params_file(path: Path | str | None) -> Path | None:
    """The params file a command uses: ``path``, else ``./params.yaml`` when it exists."""
    if path is not None and str(path).strip():
        return Path(path)
    return DEFAULT_PARAMS_FILE if DEFAULT_PARAMS_FILE.is_file() else None


#: metrics keys that hold wall-clock timings: the only values two identical runs may differ in
#: (a run-twice comparison drops exactly these, see :func:`without_timings`; ADR 0019)
TIMING_KEYS = frozenset(
    {
        "seconds",
        "embed_seconds",
        "fit_seconds",
        "stage_seconds",
        "load_seconds",
        "seconds_by_notebook",
        "words_per_second",
        "segments_per_second",
        "stage_segments_per_second",
        # how many texts the embedding cache served: how the work was done, not its result
        "cached_texts",
        "embedded_texts",
    }
)


def without_timings(payload: Any) -> Any:
    """``payload`` (parsed metrics JSON) without its :data:`TIMING_KEYS`, at any depth."""
    if isinstance(payload, dict):
        return {k: without_timings(v) for k, v in payload.items() if k not in TIMING_KEYS}
    if isinstance(payload, list):
        return [without_timings(v) for v in payload]
    return payload


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as stable, sorted, indented JSON (DVC metrics format)."""
    Path(path).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


#: libyaml's safe loader when PyYAML was built with it (the same documents, ~10x faster).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, what: str, missing_hint: str) -> Any:
    """Load a YAML file, turning every failure into a message that names the file and line.

    Args:
        path: the file.
        what: what the file is, for messages (e.g. "codebook").
        missing_hint: what to do when it does not exist (e.g. "pass --codebook").

    Raises:
        QualevalError: when the file is missing, not UTF-8, or not valid YAML.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: {what} not found; {missing_hint}")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise QualevalError(f"{path}:{where} not valid YAML; fix the syntax") from None
    except UnicodeDecodeError:
        raise QualevalError(f"{path}: not UTF-8 text; save it as UTF-8") from None


def read_stage_table(path: Path, what: str, columns: Sequence[str], stages: str) -> pd.DataFrame:
    """Read a parquet table another stage wrote, checking that it has ``columns``.

    Args:
        path: the table.
        what: what it is, for messages (e.g. "segments table").
        columns: columns that must be present.
        stages: the stage(s) that write it, for the fix (e.g. "the embed stage").

    Raises:
        QualevalError: when the file is missing or lacks a column, naming the file and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: {what} not found; run {stages} first")
    df = pd.read_parquet(path)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{path}: missing column(s) {', '.join(missing)}; is it the {what} written by this "
            f"version of the pipeline? Re-run {stages}"
        )
    return df


#: Zip entry time and document dates written into XLSX and DOCX files (reproducible bytes).
FIXED_DATE = (2000, 1, 1, 0, 0, 0)
FIXED_ISO = "2000-01-01T00:00:00Z"


def normalise_zip(path: Path) -> None:
    """Rewrite an Office file with fixed entry times and fixed document dates (reproducible).

    Every XLSX and DOCX the pipeline writes goes through this, so identical runs give
    identical bytes.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rf"\g<1>{FIXED_ISO}\g<2>",
                    text,
                )
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.write_bytes(buf.getvalue())
