"""Libraries imported for a feature the run never uses, deferred until first use (ADR 0044, 0048).

``jsonschema`` (imported by ``nbformat``, which ``plotly`` and the notebooks stage import)
registers its IRI format checkers by importing ``rfc3987_syntax``, which builds an Earley
parser for the RFC 3987 grammar at import: about 2 s of every process that touches a notebook
or a plotly figure. Nothing here validates an IRI (``nbformat`` validates without format
checkers), so :func:`defer_iri_grammar` puts a stand-in module in its place whose one function
imports the real module when first called and hands over to it. The checkers stay registered
and check exactly as before; only the parser is built when, if ever, one is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

IRI_MODULE = "rfc3987_syntax"

#: BERTopic's optional parts a qualeval run never uses: (module, the one name taken from it).
BERTOPIC_UNUSED = (
    ("bertopic.backend._multimodal", "MultiModalBackend"),  # sentence-transformers, torch
    ("bertopic.representation._pos", "PartOfSpeech"),  # spaCy, thinc, torch
    ("bertopic.representation._visual", "VisualRepresentation"),  # transformers, PIL
    ("bertopic.representation._textgeneration", "TextGeneration"),  # transformers
    ("bertopic.representation._zeroshot", "ZeroShotClassification"),  # transformers
)
#: BERTopic's modules imported whole (``import m as name``) that a qualeval run never uses.
BERTOPIC_UNUSED_MODULES = ("bertopic._save_utils",)  # saving models: imports torch


def defer_iri_grammar() -> bool:
    """Stand in for ``rfc3987_syntax`` until its ``is_valid_syntax`` is first called."""
    return defer(IRI_MODULE, "is_valid_syntax")


def defer_unused_bertopic() -> list[str]:
    """Stand in for :data:`BERTOPIC_UNUSED` before BERTopic is imported; the modules replaced.

    Does nothing once ``bertopic`` is imported (its parts are then real already).
    """
    if "bertopic" in sys.modules:
        return []
    deferred = [name for name, cls in BERTOPIC_UNUSED if defer(name, cls)]
    return deferred + [name for name in BERTOPIC_UNUSED_MODULES if defer_module(name)]


def defer_module(name: str) -> bool:
    """Stand in for module ``name`` until any of its attributes is first read.

    For a module imported whole (``import package.module as m``): the first ``m.anything``
    imports the real module and answers from it. Does nothing when the module is already
    imported or not installed; True when the stand-in was put in place.
    """
    if name in sys.modules or not installed(name):
        return False
    module = types.ModuleType(name, f"stand-in for {name} until it is first used")

    def __getattr__(attribute: str) -> Any:  # PEP 562: a module's own __getattr__
        return getattr(real(name, module), attribute)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module
    return True


def import_spacy_without_torch() -> bool:
    """Import spaCy without letting thinc import torch (seconds of start-up nothing uses).

    thinc imports torch when it can, for its PyTorch layers; the keyword coder's tokenizer
    and the anonymiser's CNN NER pipeline have none. While spaCy is first imported, ``torch``
    is marked as missing (``sys.modules["torch"] = None``, Python's documented way to block an
    import), then unmarked, so torch can still be imported later (e.g. to embed a text whose
    vector is not cached). Does nothing when torch or spaCy is already imported; True when
    spaCy was imported this way.

    Only for a stage's own process whose spaCy pipelines are known to have no PyTorch layers:
    in a longer-lived process (a notebook, ``qualeval run``) a transformer pipeline may need
    thinc's torch support.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return False
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]
    return True


def defer(name: str, function: str) -> bool:
    """Stand in for module ``name`` until its ``function`` (the one name used) is first called.

    ``name`` may be a submodule (``package.module``); finding it imports no package. Does
    nothing when the module is already imported or not installed. Returns True when the
    stand-in was put in place.
    """
    if name in sys.modules or not installed(name):
        return False
    sys.modules[name] = _stand_in(name, function)
    return True


def installed(name: str) -> bool:
    """Whether module ``name`` can be imported, found without importing any package of it.

    (``importlib.util.find_spec`` of a submodule imports its parent packages, which for
    BERTopic is the very import being avoided.)
    """
    top, _, rest = name.partition(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not rest:
        return spec is not None
    for base in spec.submodule_search_locations or []:
        path = Path(base, *rest.split("."))
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return True
    return False


def _stand_in(name: str, function: str) -> types.ModuleType:
    """A module ``name`` whose ``function`` imports the real module and calls the real one."""
    module = types.ModuleType(name, f"stand-in for {name} until {function} is called")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(real(name, module), function)(*args, **kwargs)

    call.__name__ = function
    setattr(module, function, call)
    return module


def real(name: str, stand_in: types.ModuleType) -> types.ModuleType:
    """The real module ``name``, imported in place of ``stand_in`` (once)."""
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    return importlib.import_module(name)
