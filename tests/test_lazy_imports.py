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


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """``qualeval_fake_pkg``: its ``__init__`` takes ``Thing`` from a heavy submodule."""
    name = "qualeval_fake_pkg"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text(
        f"from {name}.heavy import Thing\nimport {name}.whole as whole\n", encoding="utf-8"
    )
    heavy = "LOADED = True\n\nclass Thing:\n    def __init__(self, x):\n        self.x = x\n"
    (package / "heavy.py").write_text(heavy, encoding="utf-8")
    (package / "whole.py").write_text("VALUE = 3\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("{pkg}", True),
        ("{pkg}.heavy", True),
        ("{pkg}.whole", True),
        ("{pkg}.missing", False),
        ("qualeval_no_such_pkg.heavy", False),
    ],
)
def test_when_checking_installed_then_no_package_is_imported(fake_package, module, expected):
    assert lazy_imports.installed(module.format(pkg=fake_package)) is expected
    assert fake_package not in sys.modules


def test_when_submodule_deferred_then_package_imports_without_running_it(fake_package):
    assert lazy_imports.defer(f"{fake_package}.heavy", "Thing") is True
    assert lazy_imports.defer_module(f"{fake_package}.whole") is True
    package = __import__(fake_package)
    assert not hasattr(sys.modules[f"{fake_package}.heavy"], "LOADED")
    # (reading any other attribute of a whole-module stand-in would import the real one)
    assert sys.modules[f"{fake_package}.whole"].__doc__.startswith("stand-in")
    thing = package.Thing(7)  # the stand-in builds the real object
    assert thing.x == 7
    assert type(thing).__module__ == f"{fake_package}.heavy"
    assert sys.modules[f"{fake_package}.heavy"].LOADED is True
    assert package.whole.VALUE == 3  # the first attribute read imports the real module
    assert sys.modules[f"{fake_package}.whole"].VALUE == 3


def test_when_module_already_imported_then_defer_module_leaves_it(fake_package):
    __import__(f"{fake_package}.whole")
    real = sys.modules[f"{fake_package}.whole"]
    assert lazy_imports.defer_module(f"{fake_package}.whole") is False
    assert sys.modules[f"{fake_package}.whole"] is real


def _fresh_python(code: str) -> list[str]:
    """The printed lines of ``code`` run by a fresh interpreter (heavy imports stay out of here)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_when_bertopic_imported_after_deferring_then_torch_is_not_imported():
    out = _fresh_python(
        """
        import sys
        from pipeline import lazy_imports
        lazy_imports.defer_unused_bertopic()
        from bertopic import BERTopic
        print(*(name in sys.modules for name in ("torch", "sentence_transformers", "spacy")))
        """
    )
    assert out == ["False", "False", "False"]


def test_when_spacy_imported_without_torch_then_torch_still_imports_later():
    out = _fresh_python(
        """
        import sys
        from pipeline.lazy_imports import import_spacy_without_torch
        print(import_spacy_without_torch(), "torch" in sys.modules)
        import torch
        print(torch.tensor([2]).item())
        """
    )
    assert out == ["True", "False", "2"]
