"""Tests for pipeline.jit_cache: numba's on-disk cache for UMAP's and pynndescent's code."""

from __future__ import annotations

import importlib
import os
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


@pytest.mark.parametrize(
    ("env", "launched", "expected"),
    [
        ("", None, "workqueue"),  # nothing chosen, nothing running: the fork-safe layer
        ("omp", None, "omp"),  # the user's choice stands
        ("", "tbb", "tbb"),  # a layer already running cannot change
    ],
)
def test_when_threads_chosen_then_workqueue_unless_named_or_running(
    monkeypatch, env, launched, expected
):
    import numba

    monkeypatch.setenv("NUMBA_THREADING_LAYER", env) if env else monkeypatch.delenv(
        "NUMBA_THREADING_LAYER", raising=False
    )
    monkeypatch.setattr(numba.config, "THREADING_LAYER", env or "default")

    def layer() -> str:
        if launched is None:
            raise ValueError("Threading layer is not initialized.")
        return launched

    monkeypatch.setattr(numba, "threading_layer", layer)
    assert jit_cache.fork_safe_threads() == expected
    assert numba.config.THREADING_LAYER == (
        "workqueue" if expected == "workqueue" else env or "default"
    )


FORK_AFTER_PARALLEL = textwrap.dedent(
    """
    import logging, os
    import numpy as np
    from numba import njit, prange
    from pipeline.forked import forked_map
    from pipeline.jit_cache import fork_safe_threads

    logging.basicConfig(level=logging.WARNING)
    fork_safe_threads()

    @njit(parallel=True)
    def squares(n):
        out = np.zeros(n)
        for i in prange(n):
            out[i] = i * i
        return out

    def child(n):
        return (os.getpid(), float(squares(n).sum()))

    squares(10)  # numba's threads launched here, before the fork
    got = forked_map(child, [10, 20, 30], jobs=2)
    assert [s for _, s in got] == [285.0, 2470.0, 8555.0], got
    assert os.getpid() not in {p for p, _ in got}, "ran here, not in children"
    print("ok")
    """
)


def test_when_numba_threads_ran_then_forked_children_still_work(tmp_path):
    import subprocess

    script = tmp_path / "fork_after_parallel.py"
    script.write_text(FORK_AFTER_PARALLEL, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    env["QUALEVAL_JOBS"] = "2"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
    assert "worker process died" not in done.stderr
