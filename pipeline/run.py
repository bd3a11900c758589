"""Run the whole pipeline without DVC: every stage of the stage table, in its order.

``out`` receives exactly the shareable files that ``outputs/`` receives under DVC;
``private`` (never inside ``out``) receives everything raw-derived. Each stage is called
through the same ``main`` that ``dvc repro`` runs, with the same options, resolved from
:mod:`pipeline.stages` and :mod:`pipeline.catalogue` instead of ``dvc.yaml``.

A run is all-or-nothing (ADR 0019): every input is checked first (:mod:`pipeline.validate`),
before any folder is created; the stages then write into ``.<name>.partial`` folders beside
``out`` and ``private``, which replace them only when every stage and the leak gate have
passed. A failure or an interrupt leaves the previous outputs as they were (or none, on a first
run) and names the stage and the partial folders (:class:`RunFailed`).
"""

from __future__ import annotations

import inspect
import logging
import os
import shutil
from dataclasses import dataclass, replace
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
    # the options given on the command line (``transcripts``, ``out`` ...), for messages
    flags: frozenset[str] = frozenset()

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
    given = {"transcripts": transcripts, "metadata": metadata, "codebook": codebook}
    given |= {"out": out, "private": private}
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
        frozenset(name for name, value in given.items() if value is not None),
    )


class RunFailed(QualevalError):
    """A stage failed or the run was interrupted; the previous outputs are untouched.

    Attributes:
        status: the exit status: 130 for Ctrl-C, 2 for a stage's own error, 1 for an
            unexpected one.
    """

    def __init__(self, message: str, status: int = 2) -> None:
        """Keep the message and the exit status."""
        super().__init__(message)
        self.status = status


def partial(folder: Path) -> Path:
    """The folder a run builds ``folder`` in: ``.<name>.partial`` beside it."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.partial"


def check_run(inputs: RunInputs) -> None:
    """Check every input before anything is written.

    Raises:
        QualevalError: every problem found, grouped by file.
    """
    from pipeline.validate import RunSpec, check_inputs

    files = tuple((f, inputs.value(f"data.{f}")) for f in (*EVALUATOR_FILES, "human_stance"))
    spec = RunSpec(
        inputs.params,
        inputs.transcripts,
        inputs.metadata,
        inputs.codebook,
        inputs.out,
        inputs.private,
        files,
        inputs.flags,
    )
    check_inputs(spec).raise_if_any()


def _kept_files(old: Path, new: Path) -> list[Path]:
    """Files of ``old`` the run does not write (a README, .gitignore, an evaluator's file)."""
    from pipeline import catalogue

    made = [a.relpath for a in catalogue.ARTEFACTS]
    kept = []
    for path in sorted(old.rglob("*")):
        rel = path.relative_to(old).as_posix()
        if path.is_dir() or (new / rel).exists():
            continue
        if any(rel == m or rel.startswith(m.rstrip("/") + "/") for m in made):
            continue
        kept.append(path)
    return kept


def _keep(path: Path, target: Path) -> None:
    """Hard-link ``path`` to ``target`` (an embedding cache is not copied), else copy it."""
    try:
        if path.is_symlink():
            raise OSError("a link is copied as a link")
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target, follow_symlinks=False)


def swap_in(built: Path, final: Path) -> None:
    """Replace ``final`` with ``built``, keeping the files of ``final`` no stage writes."""
    if final.exists():
        for path in _kept_files(final, built):
            target = built / path.relative_to(final)
            target.parent.mkdir(parents=True, exist_ok=True)
            _keep(path, target)
        old = final.parent / f".{final.name}.previous"
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        built.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        final.parent.mkdir(parents=True, exist_ok=True)
        built.rename(final)


def _failure(stage: str, exc: BaseException, inputs: RunInputs, built: RunInputs) -> RunFailed:
    where = f"partial work in {built.out} and {built.private}"
    kept = f"previous outputs in {inputs.out} untouched"
    if isinstance(exc, KeyboardInterrupt):
        return RunFailed(f"interrupted during stage {stage}; {where}; {kept}", status=130)
    if isinstance(exc, QualevalError):
        head, _, rest = str(exc).partition("\n")
        detail = f"\n{rest}" if rest else ""
        return RunFailed(f"stage {stage} failed: {head} ({where}; {kept}){detail}")
    log.debug("stage %s failed", stage, exc_info=exc)
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return RunFailed(
        f"stage {stage} failed unexpectedly ({type(exc).__name__}: {first}); {where}; {kept}; "
        f"run `qualeval {stage.replace('_', '-')}` alone to see the details",
        status=1,
    )


def _name_final_folder(built: RunInputs, inputs: RunInputs) -> None:
    """The gate's report names partial-folder files: name them as dvc repro does (relative)."""
    from pipeline import catalogue

    report = catalogue.artefact("verify_report").path(built.out, built.private)
    if report.is_file():
        text = report.read_text(encoding="utf-8")
        report.write_text(
            text.replace(f"{built.out}/", f"{Path(inputs.out).name}/"), encoding="utf-8"
        )


def run_all(inputs: RunInputs) -> None:
    """Check every input, run every stage into partial folders, swap them in on success.

    Raises:
        QualevalError: when an input is bad (nothing written).
        RunFailed: when a stage fails or the run is interrupted (previous outputs untouched).
    """
    check_run(inputs)
    book = load_codebook(inputs.codebook)
    log.info("codebook %s: %d codes", inputs.codebook.name, len(book.codes))
    _log_inputs(inputs)
    built = replace(inputs, out=partial(inputs.out), private=partial(inputs.private))
    for folder in (built.out, built.private):
        shutil.rmtree(folder, ignore_errors=True)  # a previous failed run's partial work
    current = "setup"
    try:
        protect_tree(built.private, create=True)
        for stage in STAGES:
            current = stage.name
            log.info("stage %s", stage.name)
            stage.main()(**stage_arguments(stage, built))
            protect_tree(built.private)
    except BaseException as exc:
        if isinstance(exc, (SystemExit, GeneratorExit)):
            raise
        raise _failure(current, exc, inputs, built) from None
    _name_final_folder(built, inputs)
    swap_in(built.private, inputs.private)
    swap_in(built.out, inputs.out)
    protect_tree(inputs.private)
    log.info("shareable outputs in %s; raw-derived data in %s", inputs.out, inputs.private)
