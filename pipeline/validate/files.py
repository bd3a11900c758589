"""The codebook, the evaluator's files and the models: each read as its stage will read it."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.params import Params
from pipeline.validate.problems import Problems, RunSpec


def check_codebook(spec: RunSpec, problems: Problems) -> set[str] | None:
    """Load the codebook; its code ids (None when it does not load)."""
    from pipeline.codebook import load_codebook

    book = problems.attempt(spec.codebook, lambda: load_codebook(spec.codebook))
    return None if book is None else {c.id for c in book.codes}  # type: ignore[attr-defined]


def _readers(codes: set[str] | None) -> dict[str, Callable[[Path], Any]]:
    """``data.<field>`` -> the function its stage reads it with."""
    from pipeline.evaluator_files.allow_list import read_allow_list
    from pipeline.evaluator_files.decisions import read_decisions
    from pipeline.evaluator_files.gold import read_gold
    from pipeline.evaluator_files.human_codes import read_human_codes
    from pipeline.evaluator_files.register import load_register
    from pipeline.evaluator_files.review import read_review
    from pipeline.evaluator_files.stance_gold import read_stance_gold
    from pipeline.evaluator_files.withdrawals import read_withdrawals

    return {
        "register_file": load_register,
        "review_decisions": read_decisions,
        "allow_list": read_allow_list,
        "human_codes": read_human_codes,
        "review": lambda p: read_review(p, codes),
        "gold_pii": read_gold,
        "human_stance": lambda p: read_stance_gold(p, codes),
        "withdrawals": read_withdrawals,
    }


def _exists(path: Path, what: str) -> Callable[[], None]:
    def check() -> None:
        from pipeline.errors import QualevalError

        if not Path(path).is_file():
            raise QualevalError(f"{path}: {what} not found; fix the path in params.yaml")

    return check


def check_evaluator_files(
    spec: RunSpec, params: Params, problems: Problems, codes: set[str] | None = None
) -> None:
    """Read every evaluator file the run uses (flags win over ``params.yaml``'s ``data:``).

    ``codes``: the codebook's ids (:func:`check_codebook`), for the files that name codes.
    """
    given = dict(spec.files)
    readers = _readers(codes)
    for name, read in readers.items():
        path = given[name] if name in given else getattr(params.data, name)
        if path is not None:
            problems.attempt(path, lambda p=path, r=read: r(Path(p)))
    if params.data.participants is not None:
        problems.attempt(
            params.data.participants, _exists(params.data.participants, "participants sheet")
        )
    for survey in params.data.surveys:
        problems.attempt(survey.path, _exists(survey.path, "survey file"))
    if params.data.surveys_dir is not None and not Path(params.data.surveys_dir).is_dir():
        problems.add(
            params.data.surveys_dir, "surveys folder not found; fix data.surveys_dir in params.yaml"
        )


def ner_problem(name: str) -> str | None:
    """Why ``anonymise.ner_model`` cannot be loaded (None when it can), without loading it."""
    from pipeline.recognisers.ner import resolve_model

    path = resolve_model(name)
    looks_like_path = path.exists() or "/" in name or name.startswith(".")
    if looks_like_path and not (path / "meta.json").is_file():
        return (
            f"{name}: no spaCy pipeline there (no meta.json); run `make train-ner`, or name an "
            "installed pipeline such as en_core_web_lg"
        )
    if not looks_like_path and importlib.util.find_spec(name.replace("-", "_")) is None:
        return f"{name}: not an installed spaCy pipeline or a folder; install it or fix the name"
    return None


def encoder_problem(model: str | None) -> str | None:
    """Why ``embed.model`` cannot be loaded (None when it can), without loading it."""
    from pipeline.encoder import default_model_path
    from pipeline.errors import QualevalError

    try:
        folder = Path(default_model_path() if model is None else model)
    except QualevalError as exc:
        return str(exc).removeprefix("embed.model: ")
    if not folder.is_dir():
        return f"{folder}: no such folder; set embed.model to a sentence-transformers folder"
    if not any((folder / f).is_file() for f in ("modules.json", "config.json")):
        return f"{folder}: not a sentence-transformers folder (no modules.json or config.json)"
    return None


def backend_problem(model: str | None, backend: str) -> str | None:
    """Why ``embed.backend`` cannot run ``embed.model`` (None when it can), loading nothing."""
    import importlib.util

    from pipeline.encoder import is_onnx, mean_pooled, model_folder

    if not is_onnx(backend):
        return None
    if importlib.util.find_spec("onnxruntime") is None:
        return "onnx needs the onnxruntime package: run `make setup`, or set embed.backend: torch"
    if not mean_pooled(model_folder(model)):
        return (
            "onnx runs only a mean-pooled transformer (modules.json: Transformer, Pooling, "
            "Normalize, and a tokenizer.json); set embed.backend: torch for this model"
        )
    return None


def check_models(params: Params, problems: Problems) -> None:
    """The NER pipeline (when the ``ner`` recogniser runs), the sentence encoder, the engine."""
    problems.checked += 2
    if "ner" in params.anonymise.recognisers:
        why = ner_problem(params.anonymise.ner_model)
        if why:
            problems.add("anonymise.ner_model", why)
    why = encoder_problem(params.embed.model)
    if why:
        problems.add("embed.model", why)
    else:
        why = backend_problem(params.embed.model, params.embed.backend)
        if why:
            problems.add("embed.backend", why)
    if params.engine.kind == "dask" and importlib.util.find_spec("distributed") is None:
        problems.add(
            "engine.kind",
            "dask: dask.distributed is not installed; install it (pip install 'qualeval[dask]') "
            "or set engine.kind: local",
        )


def check_sections(
    spec: RunSpec, params: Params, problems: Problems, codes: set[str] | None = None
) -> None:
    """The ``evaluation`` block, up front: each section file readable, each code id known.

    The report stage, last of the heavy stages, would otherwise be the first to notice.
    ``codes``: the codebook's ids (None when it does not load: then ids are not checked).
    """
    from pipeline.evaluator_files.sections import read_section, unknown_codes

    for place, path in params.evaluation.sections.named().items():
        problems.attempt(path, lambda path=path, place=place: read_section(path, place))
    if codes is not None:
        problems.checked += 1
        for problem in unknown_codes(params.evaluation, codes):
            problems.add(spec.params or "params", f"{problem}; correct the id or remove it")
