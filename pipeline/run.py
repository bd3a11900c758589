"""Run the whole pipeline without DVC: the same stage functions, explicit folders.

``out`` receives exactly the shareable files that ``outputs/`` receives under DVC;
``private`` (never inside ``out``) receives everything raw-derived.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from pipeline import ingest
from pipeline.errors import QualevalError

log = logging.getLogger(__name__)


def resolve_private(out: Path, private: Path | None) -> Path:
    """Default the private folder to ``<out>/../private``; refuse one inside ``out``.

    Raises:
        QualevalError: when ``private`` is ``out`` or lies inside it.
    """
    out = Path(out).resolve()
    priv = (out.parent / "private") if private is None else Path(private).resolve()
    if priv == out or out in priv.parents:
        raise QualevalError(
            f"--private {priv} lies inside --out {out}; raw-derived data must "
            "never sit with the shareable outputs: choose a folder outside it"
        )
    return priv


def check_codebook_file(path: Path) -> None:
    """Fail early, with the file named, if the codebook cannot be read as YAML.

    Raises:
        QualevalError: when the file is missing, not YAML, or has no ``codes`` list.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: codebook not found; pass --codebook or set codebook.path")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise QualevalError(f"{path}:{where} not valid YAML; fix the syntax") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("codes"), list):
        raise QualevalError(f"{path}: codes: expected a list of codes at the top level")


def run_all(
    transcripts: Path,
    metadata: Path,
    codebook: Path,
    out: Path,
    private: Path | None,
    params: Path | None,
) -> None:
    """Run every implemented stage in order."""
    priv = resolve_private(out, private)
    check_codebook_file(codebook)
    out = Path(out)
    ingest.run_stage(
        params,
        Path(transcripts),
        Path(metadata),
        turns=priv / "turns.parquet",
        preamble=priv / "preamble.parquet",
        interviews=priv / "interviews.parquet",
        rejects=priv / "ingest_rejects.csv",
        metrics=out / "metrics" / "ingest.json",
    )
    log.info("shareable outputs in %s; raw-derived data in %s", out, priv)
