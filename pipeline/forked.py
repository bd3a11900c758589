"""Independent seeded fits on every CPU core: forked worker processes (ADR 0044).

DVC runs one stage at a time and UMAP runs single-threaded when seeded, so on a 2-core machine
one core idles while the topics stage fits its stability seeds and finer themes one after the
other. :func:`forked_map` runs such independent calls in forked children instead: each child
starts as an exact copy of this process (the same libraries, the same compiled numba code,
the same one-thread BLAS set by ``threadpoolctl``), runs one call and sends back its result, so
a result is the same bytes whichever process computed it. Results come back in input order.

It forks only when ``QUALEVAL_JOBS`` asks for more than one job (a count, or ``auto``: one per
core). It runs the calls here, one after the other, by default, where ``fork`` is not
available, inside a daemonic worker (which may not have children), or when a child dies (then
with a warning).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
JOBS_ENV = "QUALEVAL_JOBS"


def default_jobs() -> int:
    """Worker processes to use: ``QUALEVAL_JOBS`` (a count, or ``auto``: the cores), else 1.

    One by default: a process that has already run threads of its own (torch's or OpenMP's
    pools, as ``qualeval run`` or a test process has after the embed stage) can leave a lock
    held in a forked child, which then waits for ever (seen in the test suite, ADR 0044). Set
    it only for processes that run one stage each, as ``dvc repro``'s do.
    """
    named = os.environ.get(JOBS_ENV, "").strip().lower()
    if named.isdigit() and int(named) > 0:
        return int(named)
    if named == "auto":
        return available_cores()
    if named:
        log.warning("%s=%r is not a count or 'auto': one job", JOBS_ENV, named)
    return 1


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


def forked_map(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, the calls spread over up to ``jobs`` forked processes.

    ``fn`` and the items must pickle (a module-level function or a ``functools.partial`` of
    one); ``fn`` must not depend on anything but its arguments and this process's state.
    """
    items = list(items)
    jobs = min(default_jobs() if jobs is None else jobs, len(items))
    if jobs < 2 or not can_fork():
        return [fn(x) for x in items]
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            return list(pool.map(fn, items))
    except BrokenProcessPool:
        log.warning("a worker process died; running the %d calls here instead", len(items))
        return [fn(x) for x in items]
