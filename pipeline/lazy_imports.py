"""Libraries imported for a feature the run never uses, deferred until first use (ADR 0044).

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
from typing import Any

IRI_MODULE = "rfc3987_syntax"


def defer_iri_grammar() -> bool:
    """Stand in for ``rfc3987_syntax`` until its ``is_valid_syntax`` is first called."""
    return defer(IRI_MODULE, "is_valid_syntax")


def defer(name: str, function: str) -> bool:
    """Stand in for module ``name`` until its ``function`` (the one name used) is first called.

    Does nothing when the module is already imported or not installed. Returns True when the
    stand-in was put in place.
    """
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return False
    sys.modules[name] = _stand_in(name, function)
    return True


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
