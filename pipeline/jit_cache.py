"""Numba's compiled machine code for UMAP and pynndescent, kept between processes (ADR 0040).

UMAP and pynndescent are numba code; most of their jitted functions are compiled afresh in
every process (their decorators do not ask for numba's on-disk cache). On the sample that
compilation is about 10 s of the topics stage's 65 s, paid again by every run, while the work
itself on 2,200 segments takes a few seconds. :func:`cache_compiled` turns numba's own cache on
for those functions before their first call, so the second and later processes load the
compiled code instead of compiling it.

Outputs cannot change: the cache holds the code numba would compile anyway, and numba keys an
entry by the function's source file (its path, size and modification time), the argument types
and the CPU's name and features, so another machine, another library version or an edited
source compiles again. The cache files go where numba puts them (``NUMBA_CACHE_DIR``, else a
``__pycache__`` beside the library's source when it is writable, else the user's cache folder);
deleting them only makes the next run slower.
"""

from __future__ import annotations

import importlib
import logging
import os

log = logging.getLogger(__name__)

# the modules whose jitted functions UMAP's fit and pynndescent's index call
MODULES = (
    "umap.distances",
    "umap.layouts",
    "umap.sparse",
    "umap.umap_",
    "umap.utils",
    "pynndescent.distances",
    "pynndescent.pynndescent_",
    "pynndescent.rp_trees",
    "pynndescent.sparse",
    "pynndescent.utils",
)
_DONE: set[str] = set()


def cache_compiled(modules: tuple[str, ...] = MODULES) -> int:
    """Turn numba's on-disk cache on for the jitted functions of ``modules``.

    Call it before the first UMAP fit of a process; later calls do nothing. A module that is
    not installed is skipped. Returns how many functions had their cache turned on.
    """
    from numba.core.registry import CPUDispatcher

    fork_safe_threads()
    count = 0
    for name in modules:
        if name in _DONE:
            continue
        _DONE.add(name)
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, CPUDispatcher) and _uncached(obj):
                obj.enable_caching()
                count += 1
    if count:
        log.debug("numba cache turned on for %d functions", count)
    return count


def _uncached(dispatcher: object) -> bool:
    """Whether a dispatcher compiles without numba's on-disk cache."""
    from numba.core.caching import NullCache

    return isinstance(getattr(dispatcher, "_cache", None), NullCache)


def fork_safe_threads() -> str:
    """Have numba's parallel code run on its ``workqueue`` threads, which survive a fork.

    Numba's ``omp`` layer (GNU OpenMP), its first choice where installed, ends any forked
    child of a process that has used it ("fork() called from a process already using GNU
    OpenMP"), so the topics stage could not fit its seeds in forked workers (ADR 0044). A
    layer named in ``NUMBA_THREADING_LAYER`` is left alone, as is one already running. Each
    of UMAP's parallel loops computes each element on its own, so the layer changes no
    result. Returns the layer numba will use (or uses).
    """
    import numba

    if os.environ.get("NUMBA_THREADING_LAYER"):
        return str(numba.config.THREADING_LAYER)
    try:
        return str(numba.threading_layer())  # already launched: too late to choose
    except ValueError:  # not launched yet
        numba.config.THREADING_LAYER = "workqueue"
        return "workqueue"
