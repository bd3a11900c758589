"""Tests for pipeline.jit_cache: numba's on-disk cache for UMAP's and pynndescent's code."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline import jit_cache

SOURCE = textwrap.dedent(
    """
    from numba import njit

    @njit
    def double(x):
        return 2 * x

    @njit(cache=True)
    def already_cached(x):
        return x + 1

    def plain(x):
        return x
    """
)


@pytest.fixture
def jitted_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh module of numba functions, its cache files under ``tmp_path / 'nb'``."""
    numba_config = pytest.importorskip("numba.core.config")
    name = f"qualeval_jit_fixture_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(numba_config, "CACHE_DIR", str(tmp_path / "nb"))
    monkeypatch.setattr(jit_cache, "_DONE", set())
    yield name
    sys.modules.pop(name, None)


def test_when_a_module_has_uncached_functions_then_only_those_are_turned_on(
    jitted_module: str,
) -> None:
    assert jit_cache.cache_compiled((jitted_module,)) == 1


def test_when_called_twice_then_the_second_call_does_nothing(jitted_module: str) -> None:
    jit_cache.cache_compiled((jitted_module,))
    assert jit_cache.cache_compiled((jitted_module,)) == 0


@pytest.mark.parametrize("modules", [("qualeval_no_such_module",), ()])
def test_when_a_module_is_not_installed_then_it_is_skipped(
    modules: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jit_cache, "_DONE", set())
    assert jit_cache.cache_compiled(modules) == 0


def test_when_a_cached_function_runs_then_its_code_is_written_and_the_result_unchanged(
    jitted_module: str, tmp_path: Path
) -> None:
    jit_cache.cache_compiled((jitted_module,))
    module = importlib.import_module(jitted_module)
    assert module.double(21) == 42
    assert list((tmp_path / "nb").rglob("*.nbi")), "numba wrote no cache index"


def test_when_the_default_modules_are_listed_then_each_is_umap_or_pynndescent() -> None:
    assert all(m.split(".")[0] in {"umap", "pynndescent"} for m in jit_cache.MODULES)
