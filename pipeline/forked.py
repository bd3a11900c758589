"""Independent seeded fits on every CPU core: forked worker processes (ADR 0044).

DVC runs one stage at a time and UMAP runs single-threaded when seeded, so on a 2-core machine
one core idles while the topics stage fits its stability seeds and finer themes one after the
other. :func:`forked_map` runs such independent calls in forked children instead: each child
starts as an exact copy of this process (the same libraries, the same compiled numba code,
the same one-thread BLAS set by ``threadpoolctl``), runs one call and sends back its result, so
a result is the same bytes whichever process computed it. Results come back in input order.

``QUALEVAL_JOBS`` names the jobs (a count, or ``auto``: one per core). Unset, it uses one per
core where that is known to be safe, and runs the calls here otherwise (ADR 0048): it forks
this process when :func:`fork_is_safe` (one thread, no torch, no OpenMP runtime loaded, as in
the leak gate's own process), and forks a fork server's inside :func:`forkserver_workers`
(the topics stage, whose OpenMP pool makes forking itself unsafe). A fork server is a
fresh, single-threaded interpreter that imports the libraries once, so its forks hold no lock
of any pool; the calls then reach it pickled, and run with this process's thread limits.
It runs them here, one after the other, where ``fork`` is not available, inside a daemonic
worker (which may not have children), or when a child dies (then with a warning).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
JOBS_ENV = "QUALEVAL_JOBS"
#: Libraries whose own thread pools may hold a lock at a fork (seen with torch, ADR 0044).
THREADED_MODULES = ("torch", "onnxruntime", "tokenizers", "tensorflow", "jax")
_SERVER: Any = None  # the fork server's context, inside :func:`forkserver_workers`


def default_jobs() -> int:
    """Worker processes to use: ``QUALEVAL_JOBS`` (a count, or ``auto``: the cores).

    Unset (or empty), the cores where :func:`fork_is_safe`, else one: a process that has
    already run thread pools of its own (torch's or OpenMP's, as ``qualeval run`` or a test
    process has after the embed stage) can leave a lock held in a forked child, which then
    waits for ever (seen in the test suite, ADR 0044). Name a count or ``auto`` only for
    processes that run one stage each, as ``dvc repro``'s do.
    """
    named = os.environ.get(JOBS_ENV, "").strip().lower()
    if named.isdigit() and int(named) > 0:
        return int(named)
    if named == "auto":
        return available_cores()
    if named:
        _warn_not_understood(named)
        return 1
    return available_cores() if fork_is_safe() or _SERVER is not None else 1


@functools.lru_cache(maxsize=8)
def _warn_not_understood(named: str) -> None:
    """Warn once per process (not once per call) about a ``QUALEVAL_JOBS`` not understood."""
    log.warning("%s=%r is not a count or 'auto': one job", JOBS_ENV, named)


def fork_is_safe() -> bool:
    """Whether no other thread can hold a lock that a fork would copy, held, into the child.

    True when this process runs one thread of its own, has imported none of
    :data:`THREADED_MODULES` and has loaded no OpenMP runtime (as ``threadpoolctl`` sees the
    loaded libraries). BLAS's idle threads are allowed: OpenBLAS re-forms its pool after a fork.
    """
    if threading.active_count() > 1 or any(name in sys.modules for name in THREADED_MODULES):
        return False
    from threadpoolctl import threadpool_info

    return all(info.get("user_api") != "openmp" for info in threadpool_info())


def available_cores() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork workers (``fork`` exists and this is no daemon)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


@contextlib.contextmanager
def forkserver_workers(preload: Sequence[str]) -> Iterator[bool]:
    """Within the block, :func:`forked_map` forks workers from a fork server (ADR 0048).

    For a stage whose thread pools make a fork of its own process unsafe. The server is
    started at once, importing ``preload`` while this process works on, and stopped at the
    end, so nothing outlives the stage (a test that calls the stage's ``main`` keeps its own
    process's behaviour afterwards). Yields False, and the calls run in this process, where
    only one job would run (one core, or ``QUALEVAL_JOBS=1``), the platform has no fork
    server, this process may not have children, or the server cannot start.
    """
    global _SERVER
    started = _start_forkserver(preload)
    try:
        yield started
    finally:
        if started:
            _SERVER = None
            _stop_forkserver()


def _start_forkserver(preload: Sequence[str]) -> bool:
    """Start the fork server with ``preload`` imported in it; whether it runs."""
    global _SERVER
    if _SERVER is not None or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    named = os.environ.get(JOBS_ENV, "").strip()
    if not can_fork() or (default_jobs() if named else available_cores()) < 2:
        return False  # one job: a server would import everything for nothing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    try:
        forkserver.ensure_running()
    except (OSError, RuntimeError) as exc:  # e.g. no room for its socket: work here instead
        log.warning("could not start a fork server (%s); one job", type(exc).__name__)
        return False
    _SERVER = context
    return True


def _stop_forkserver() -> None:
    """Stop the fork server (it would otherwise wait until this process exits)."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def forked_map(
    fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None, *, inherit: bool = False
) -> list[R]:
    """``[fn(x) for x in items]``, the calls spread over up to ``jobs`` forked processes.

    ``fn`` and the items must pickle (a module-level function or a ``functools.partial`` of
    one); ``fn`` must not depend on anything but its arguments and this process's state. With
    ``inherit``, ``fn`` reads state this process set (module globals), so only a fork of this
    process may run it.
    """
    items = list(items)
    asked = jobs is not None or bool(os.environ.get(JOBS_ENV, "").strip())
    jobs = min(default_jobs() if jobs is None else jobs, len(items))
    context = _context(inherit, asked)
    if jobs < 2 or context is None:
        return [fn(x) for x in items]
    if context is _SERVER:
        fn = functools.partial(_limited, _thread_limits(), fn)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            return list(pool.map(fn, items))
    except (BrokenProcessPool, OSError, EOFError):  # a child (or the server) died
        log.warning("a worker process died; running the %d calls here instead", len(items))
        return [fn(x) for x in items]


def _context(inherit: bool, asked: bool) -> Any:
    """Where workers come from: a fork of this process, of the fork server, or none (here).

    ``asked``: the caller or ``QUALEVAL_JOBS`` named the jobs, so a fork of this process is
    used even where :func:`fork_is_safe` cannot tell that it is safe (as before ADR 0048).
    """
    if not can_fork():
        return None
    if fork_is_safe():
        return multiprocessing.get_context("fork")
    if _SERVER is not None and not inherit:
        return _SERVER
    return multiprocessing.get_context("fork") if asked else None


def _thread_limits() -> dict[str, int]:
    """This process's thread count per kind of pool (BLAS, OpenMP), for a server's workers."""
    from threadpoolctl import threadpool_info

    limits: dict[str, int] = {}
    for info in threadpool_info():
        api = str(info.get("user_api"))
        limits[api] = min(limits.get(api, info["num_threads"]), info["num_threads"])
    return limits


def _limited(limits: dict[str, int], fn: Callable[[T], R], item: T) -> R:
    """``fn(item)`` under ``limits`` (a fork server's worker, as its caller's threads ran)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limits):
        return fn(item)
