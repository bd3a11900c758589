"""Where per-interview work runs: in this process, or as partitions on a Dask cluster.

An :class:`Engine` maps a function over partitions and gives the results back in the
partitions' order, so what a stage builds from them does not depend on where (or in which
order) they ran. :class:`LocalEngine` runs them here, lazily; :class:`DaskEngine` submits
them to a ``dask.distributed`` cluster (a ``LocalCluster`` it starts, or the scheduler at
``engine.scheduler``), keeping at most a few partitions per worker in flight so memory stays
bounded. Only per-interview work is partitioned (ADR 0028); corpus-wide steps (pseudonym
linking, calibration, topics, the report) run in the stage's own process.

A partition function must be a module-level function (or a ``functools.partial`` of one)
whose arguments pickle; a worker loads heavy resources (spaCy, the encoder) itself, once per
process, through the loaders' own caches.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from pipeline.errors import QualevalError
from pipeline.params import EngineParams

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: partitions in flight per worker thread (more waiting means more memory, not more speed)
IN_FLIGHT_PER_THREAD = 2


class Engine(Protocol):
    """Maps a function over partitions; results come back in the partitions' order."""

    name: str
    partition_interviews: int

    def map(self, fn: Callable[[T], R], parts: Iterable[T]) -> Iterator[R]:
        """``fn(part)`` for each part, in order (lazily: a part is read when needed)."""
        ...


class LocalEngine:
    """Every partition in this process, one after the other (the default)."""

    name = "local"

    def __init__(self, partition_interviews: int = EngineParams().partition_interviews) -> None:
        """An in-process engine; ``partition_interviews`` sizes the partitions stages make."""
        self.partition_interviews = partition_interviews

    def map(self, fn: Callable[[T], R], parts: Iterable[T]) -> Iterator[R]:
        """``fn(part)`` for each part, lazily and in order."""
        return map(fn, parts)


class DaskEngine:
    """Partitions on a ``dask.distributed`` cluster, results gathered in order."""

    name = "dask"

    def __init__(self, client: Any, partition_interviews: int, in_flight: int) -> None:
        """An engine over a connected ``distributed.Client``."""
        self.client = client
        self.partition_interviews = partition_interviews
        self.in_flight = max(1, in_flight)

    def map(self, fn: Callable[[T], R], parts: Iterable[T]) -> Iterator[R]:
        """Submit the parts (a bounded window ahead) and yield each result in order.

        Raises:
            QualevalError: when a partition fails on a worker (its error is chained).
        """
        window: deque[Any] = deque()
        for part in parts:
            window.append(self.client.submit(fn, part, pure=False))
            if len(window) >= self.in_flight:
                yield _result(window.popleft())
        while window:
            yield _result(window.popleft())


def _result(future: Any) -> Any:
    """A future's result; a worker's error stops the run with its message."""
    try:
        return future.result()
    except QualevalError:
        raise
    except Exception as exc:
        raise QualevalError(f"engine dask: a partition failed on a worker: {exc}") from exc


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise QualevalError(
            "engine.kind dask: dask.distributed is not installed; install the extra "
            "(pip install 'qualeval[dask]') or set engine.kind: local"
        ) from None
    return distributed


@contextlib.contextmanager
def _dask_client(params: EngineParams) -> Iterator[Any]:
    """A client of the scheduler at ``params.scheduler``, or of a LocalCluster started here."""
    distributed = _import_distributed()
    if params.scheduler:
        try:
            client = distributed.Client(params.scheduler, timeout=params.connect_timeout_s)
        except OSError as exc:
            raise QualevalError(
                f"engine.scheduler {params.scheduler}: cannot connect ({exc}); start the "
                "scheduler, check the address, or leave engine.scheduler empty for a local "
                "cluster"
            ) from None
        with client:
            yield client
        return
    cluster = distributed.LocalCluster(
        n_workers=params.n_workers,
        threads_per_worker=params.threads_per_worker,
        processes=params.processes,
        dashboard_address=":0",  # any free port: never clashes with another cluster
        silence_logs=logging.WARNING,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def open_engine(params: EngineParams | None = None) -> Iterator[Engine]:
    """The engine ``params`` name, open for the ``with`` block (a cluster is closed after).

    Raises:
        QualevalError: when dask is asked for but not installed, or the scheduler is
            unreachable.
    """
    params = params or EngineParams()
    if params.kind == "local":
        yield LocalEngine(params.partition_interviews)
        return
    with _dask_client(params) as client:
        threads = sum(client.nthreads().values()) or 1
        log.info("engine dask: %d worker thread(s) at %s", threads, client.scheduler.address)
        yield DaskEngine(client, params.partition_interviews, IN_FLIGHT_PER_THREAD * threads)


def interview_partitions(interview_ids: Sequence[Any], size: int) -> list[list[int]]:
    """Row positions grouped by interview, ``size`` interviews per partition, in row order.

    Rows of one interview always share a partition; partitions follow the first appearance
    of each interview, and rows keep their order within a partition.
    """
    groups: dict[Any, list[int]] = {}
    for row, iid in enumerate(interview_ids):
        groups.setdefault(iid, []).append(row)
    ordered = list(groups.values())
    return [
        [row for group in ordered[i : i + size] for row in group]
        for i in range(0, len(ordered), max(1, size))
    ]


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive pieces of at most ``size``."""
    size = max(1, size)
    return [items[i : i + size] for i in range(0, len(items), size)]
