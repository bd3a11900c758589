"""What the topics stage's fork server imports once, before it forks workers (ADR 0048).

:func:`pipeline.forked.forkserver_workers` has the server import this module; every worker is a
fork of it, so each starts with BERTopic, UMAP, HDBSCAN and the stage's own fitting code
imported (the same stand-ins for BERTopic's unused parts as the stage's process) and numba's
on-disk cache turned on, instead of importing them per worker.
"""

from __future__ import annotations

import importlib

from pipeline.jit_cache import cache_compiled
from pipeline.lazy_imports import defer_iri_grammar, defer_unused_bertopic

#: The modules a worker's calls need (the fits of the stability seeds and the finer themes).
MODULES = (
    "bertopic",
    "umap",
    "hdbscan",
    "sklearn.neighbors",
    "pipeline.topics.stability",
    "pipeline.topics.fine",
    "pipeline.topics.scalable",
)


def preload() -> None:
    """Import :data:`MODULES` as the stage's process does, and turn numba's cache on."""
    defer_iri_grammar()
    defer_unused_bertopic()
    for name in MODULES:
        importlib.import_module(name)
    cache_compiled()


preload()
