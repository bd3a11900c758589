"""Tests for pipeline.lazy_imports: a module imported only when its function is first called."""

from __future__ import annotations

import sys
import textwrap

import pytest

from pipeline import lazy_imports

SOURCE = textwrap.dedent(
    """
    LOADED = True

    def is_valid_syntax(rule, text):
        return rule == "iri" and ":" in text
    """
)


@pytest.fixture
def fake_module(tmp_path, monkeypatch):
    name = "qualeval_fake_iri_syntax"
    (tmp_path / f"{name}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)
    yield name
    sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [("iri", "https:x", True), ("iri", "no colon", False), ("iri_reference", "a:b", False)],
)
def test_when_function_called_then_real_module_answers(fake_module, rule, text, expected):
    assert lazy_imports.defer(fake_module, "is_valid_syntax") is True
    stand_in = sys.modules[fake_module]
    assert not hasattr(stand_in, "LOADED")  # nothing of the real module ran yet
    from importlib import import_module

    assert import_module(fake_module).is_valid_syntax(rule, text) is expected
    assert sys.modules[fake_module].LOADED is True  # the real module took its place


@pytest.mark.parametrize(
    ("setup", "expected"),
    [("already imported", False), ("not installed", False), ("installed", True)],
)
def test_when_deferring_then_only_an_installed_unimported_module_is_replaced(
    fake_module, setup, expected
):
    name = fake_module
    if setup == "already imported":
        __import__(name)
    if setup == "not installed":
        name = "qualeval_no_such_module"
    before = sys.modules.get(name)
    assert lazy_imports.defer(name, "is_valid_syntax") is expected
    assert (sys.modules.get(name) is not before) is expected
    sys.modules.pop("qualeval_no_such_module", None)


def test_when_called_twice_then_the_real_module_is_imported_once(fake_module):
    lazy_imports.defer(fake_module, "is_valid_syntax")
    stand_in = sys.modules[fake_module]
    assert stand_in.is_valid_syntax("iri", "a:b") is True
    real = sys.modules[fake_module]
    assert stand_in.is_valid_syntax("iri", "a:b") is True
    assert sys.modules[fake_module] is real
