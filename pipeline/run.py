"""Run the whole pipeline without DVC: every stage of the stage table, in its order.

``out`` receives exactly the shareable files that ``outputs/`` receives under DVC;
``private`` (never inside ``out``) receives everything raw-derived. Each stage is called
through the same ``main`` that ``dvc repro`` runs, with the same options, resolved from
:mod:`pipeline.stages` and :mod:`pipeline.catalogue` instead of ``dvc.yaml``.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.params import load_params
from pipeline.stages import STAGES, Stage

log = logging.getLogger(__name__)

# the researcher notebooks of this checkout (``qualeval run`` renders them like dvc repro)
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class RunInputs:
    """What one run reads and where it writes: the values of the stage table's sources."""

    transcripts: Path
    metadata: Path
    codebook: Path
    out: Path
    private: Path
    params: Path | None
    notebooks: Path = NOTEBOOKS_DIR

    def value(self, source: str) -> Path | None:
        """The path an option with this source gets (see :mod:`pipeline.stages`)."""
        from pipeline import catalogue

        if source.startswith("@"):
            return catalogue.artefact(source[1:]).path(self.out, self.private)
        if source == "data.transcripts_dir":
            return self.transcripts
        if source == "data.metadata":
            return self.metadata
        if source.startswith("data."):
            return getattr(load_params(self.params).data, source.removeprefix("data."))
        return {
            "codebook": self.codebook,
            "params": self.params,
            "outputs": self.out,
            "private": self.private,
            "notebooks": self.notebooks,
        }[source]


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


def stage_arguments(stage: Stage, inputs: RunInputs) -> dict[str, Any]:
    """The keyword arguments of ``stage``'s ``main`` for this run.

    Options the stage table does not set keep their command-line defaults (typer keeps a
    default inside its ``OptionInfo``, which a direct call would otherwise receive).
    """
    parameters = inspect.signature(stage.main()).parameters
    args: dict[str, Any] = {}
    for opt, src in stage.options:
        value = inputs.value(src)
        # an option typed as text gets text, as it would from the command line
        text = str(parameters[opt].annotation).startswith("str")
        args[opt] = str(value) if text and value is not None else value
    for name, parameter in parameters.items():
        if name not in args:
            args[name] = getattr(parameter.default, "default", parameter.default)
    return args


def run_all(
    transcripts: Path,
    metadata: Path,
    codebook: Path,
    out: Path,
    private: Path | None,
    params: Path | None,
) -> None:
    """Run every stage of :data:`~pipeline.stages.STAGES` in order."""
    priv = resolve_private(out, private)
    book = load_codebook(codebook)
    log.info("codebook %s: %d codes", Path(codebook).name, len(book.codes))
    inputs = RunInputs(Path(transcripts), Path(metadata), Path(codebook), Path(out), priv, params)
    for stage in STAGES:
        log.info("stage %s", stage.name)
        stage.main()(**stage_arguments(stage, inputs))
    log.info("shareable outputs in %s; raw-derived data in %s", out, priv)
