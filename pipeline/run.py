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
from pipeline.io import params_file
from pipeline.params import Params, load_params
from pipeline.privacy import protect_tree
from pipeline.stages import STAGES, Stage

log = logging.getLogger(__name__)

# the researcher notebooks (``qualeval run`` renders them like dvc repro): ./notebooks of an
# evaluation project or this checkout, else the copies shipped in the package
PACKAGED_NOTEBOOKS = Path(__file__).resolve().parent / "templates" / "project" / "notebooks"
NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
# evaluator files ``qualeval run`` may take from flags instead of params.yaml
EVALUATOR_FILES = (
    "register_file",
    "review_decisions",
    "allow_list",
    "human_codes",
    "review",
    "gold_pii",
)


def notebooks_dir(cwd: Path | None = None) -> Path:
    """``./notebooks`` when there is one, else this checkout's, else the packaged notebooks."""
    here = Path.cwd() if cwd is None else Path(cwd)
    for folder in (here / "notebooks", NOTEBOOKS_DIR):
        if folder.is_dir() and any(folder.glob("*.ipynb")):
            return folder
    return PACKAGED_NOTEBOOKS


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
    # data.<field> -> path (``--register`` ...), overriding params.yaml
    overrides: tuple[tuple[str, Path | None], ...] = ()

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
            field = source.removeprefix("data.")
            given = dict(self.overrides)
            return given[field] if field in given else getattr(load_params(self.params).data, field)
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


def _log_inputs(inputs: RunInputs) -> None:
    """Name the params file and the evaluator files this run uses (names only, no paths)."""
    log.info("params: %s", inputs.params.name if inputs.params else "built-in defaults")
    used = [(f, inputs.value(f"data.{f}")) for f in EVALUATOR_FILES]
    log.info(
        "evaluator files: %s",
        ", ".join(f"{f}={Path(p).name if p else 'none'}" for f, p in used),
    )


def resolve_inputs(
    params: Path | None,
    transcripts: Path | None = None,
    metadata: Path | None = None,
    codebook: Path | None = None,
    out: Path | None = None,
    private: Path | None = None,
    overrides: dict[str, Path | None] | None = None,
) -> RunInputs:
    """The run's inputs: flags first, then ``params.yaml`` (``./params.yaml`` by default).

    Without ``out`` the shareable files go to ``outputs/`` and the private ones to
    ``private/`` in the current folder, as under ``dvc repro``.
    """
    path = params_file(params)
    p: Params = load_params(path)
    out = Path("outputs") if out is None else Path(out)
    priv = resolve_private(out, private)
    return RunInputs(
        Path(transcripts or p.data.transcripts_dir),
        Path(metadata or p.data.metadata),
        Path(codebook or p.codebook.path),
        out,
        priv,
        path,
        notebooks_dir(),
        tuple((k, v) for k, v in (overrides or {}).items() if v is not None),
    )


def run_all(inputs: RunInputs) -> None:
    """Run every stage of :data:`~pipeline.stages.STAGES` in order."""
    book = load_codebook(inputs.codebook)
    log.info("codebook %s: %d codes", inputs.codebook.name, len(book.codes))
    _log_inputs(inputs)
    protect_tree(inputs.private, create=True)
    for stage in STAGES:
        log.info("stage %s", stage.name)
        stage.main()(**stage_arguments(stage, inputs))
        protect_tree(inputs.private)
    log.info("shareable outputs in %s; raw-derived data in %s", inputs.out, inputs.private)
