"""Tests for pipeline.forked: independent calls spread over forked processes, results in order."""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import threading
import types

import numpy as np
import pytest

from pipeline import forked


def seeded_draw(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(size)


def pid_of(_: int) -> int:
    return os.getpid()


def dies_in_a_child(x: int) -> int:
    if x == 3 and multiprocessing.parent_process() is not None:
        os._exit(1)  # a child that dies (as one killed for memory would)
    return x * 2


@pytest.mark.parametrize("jobs", [1, 2, 4])
def test_when_mapped_then_results_equal_a_plain_loop_in_order(jobs):
    fn = functools.partial(seeded_draw, 50)
    got = forked.forked_map(fn, range(7), jobs=jobs)
    expected = [fn(s) for s in range(7)]
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize(
    ("jobs", "items", "in_children"),
    [(1, 3, False), (2, 1, False), (2, 3, True)],  # one job or one item: no child at all
)
def test_when_one_job_or_one_item_then_calls_run_here(jobs, items, in_children):
    pids = forked.forked_map(pid_of, range(items), jobs=jobs)
    assert (os.getpid() not in pids) is in_children


def test_when_a_child_dies_then_the_calls_run_here(caplog):
    assert forked.forked_map(dies_in_a_child, [1, 3, 5], jobs=2) == [2, 6, 10]
    assert "worker process died" in caplog.text


@pytest.mark.parametrize(
    ("env", "safe", "expected"),
    # None: the CPU cores; a named count or auto wins over the safety test; unnamed, it decides
    [
        ("1", True, 1),
        ("3", False, 3),
        ("auto", False, None),
        ("AUTO", True, None),
        ("0", True, 1),
        ("many", True, 1),
        ("", True, None),
        ("", False, 1),
    ],
)
def test_when_jobs_named_in_the_environment_then_they_are_used(monkeypatch, env, safe, expected):
    monkeypatch.setenv(forked.JOBS_ENV, env)
    monkeypatch.setattr(forked, "fork_is_safe", lambda: safe)
    cores = len(os.sched_getaffinity(0))
    assert forked.default_jobs() == (cores if expected is None else expected)


@pytest.mark.parametrize("module", ["torch", "onnxruntime"])
def test_when_a_threaded_library_is_imported_then_calls_run_here(monkeypatch, module):
    monkeypatch.delenv(forked.JOBS_ENV, raising=False)
    monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    assert forked.fork_is_safe() is False
    assert set(forked.forked_map(pid_of, range(3))) == {os.getpid()}


def test_when_another_thread_runs_then_fork_is_not_safe():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked.fork_is_safe() is False
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize(
    ("apis", "safe"), [(["blas"], True), (["blas", "openmp"], False), ([], True)]
)
def test_when_an_openmp_runtime_is_loaded_then_fork_is_not_safe(monkeypatch, apis, safe):
    import threadpoolctl

    for module in forked.THREADED_MODULES:
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # a test runner's threads aside
    info = [{"user_api": api} for api in apis]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: info)
    assert forked.fork_is_safe() is safe


@pytest.mark.parametrize(
    ("env", "warned"), [("many", True), ("0", True), ("auto", False), ("", False)]
)
def test_when_jobs_not_understood_then_a_warning_names_the_variable(
    monkeypatch, caplog, env, warned
):
    monkeypatch.setenv(forked.JOBS_ENV, env)
    forked._warn_not_understood.cache_clear()
    forked.default_jobs()
    forked.default_jobs()
    assert caplog.text.count(forked.JOBS_ENV) == (1 if warned else 0)  # once, not per call


def blas_threads(_: int) -> int:
    from threadpoolctl import threadpool_info

    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return max(counts, default=0)


@pytest.fixture
def server(monkeypatch):
    """A fork server for this test only, in a process where a fork of itself is unsafe."""
    monkeypatch.delenv(forked.JOBS_ENV, raising=False)
    monkeypatch.setattr(forked, "fork_is_safe", lambda: False)
    monkeypatch.setattr(forked, "_SERVER", None)
    with forked.forkserver_workers(["pipeline.forked"]) as started:
        if not started:
            pytest.skip("no fork server on this platform")
        yield
    assert forked._SERVER is None  # nothing outlives the block


def test_when_the_block_ends_then_calls_run_here_again(monkeypatch):
    monkeypatch.delenv(forked.JOBS_ENV, raising=False)
    monkeypatch.setattr(forked, "fork_is_safe", lambda: False)
    monkeypatch.setattr(forked, "_SERVER", None)
    with forked.forkserver_workers(["pipeline.forked"]) as started:
        inside = set(forked.forked_map(pid_of, range(3)))
    assert (os.getpid() not in inside) is started
    assert set(forked.forked_map(pid_of, range(3))) == {os.getpid()}


def test_when_forkserver_started_then_its_forks_run_the_calls_in_order(server):
    fn = functools.partial(seeded_draw, 50)
    got = forked.forked_map(fn, range(5), jobs=2)
    assert all(np.array_equal(a, b) for a, b in zip(got, [fn(s) for s in range(5)], strict=True))
    assert os.getpid() not in forked.forked_map(pid_of, range(3), jobs=2)


@pytest.mark.parametrize(("inherit", "here"), [(True, True), (False, False)])
def test_when_calls_read_this_process_state_then_the_server_is_not_used(server, inherit, here):
    pids = forked.forked_map(pid_of, range(3), inherit=inherit)
    assert (set(pids) == {os.getpid()}) is here


def test_when_server_forks_run_then_they_keep_this_process_thread_limits(server):
    from threadpoolctl import threadpool_limits

    if blas_threads(0) == 0:
        pytest.skip("no BLAS library loaded")
    with threadpool_limits(limits=1, user_api="blas"):
        assert forked.forked_map(blas_threads, range(2), jobs=2) == [1, 1]


def test_when_forkserver_cannot_start_then_calls_run_here(monkeypatch, caplog):
    from multiprocessing import forkserver

    def no_room() -> None:
        raise OSError("no room for the socket")

    monkeypatch.delenv(forked.JOBS_ENV, raising=False)
    monkeypatch.setattr(forked, "fork_is_safe", lambda: False)
    monkeypatch.setattr(forked, "_SERVER", None)
    monkeypatch.setattr(forkserver, "ensure_running", no_room)
    with forked.forkserver_workers(["pipeline.forked"]) as started:
        assert started is False
        assert set(forked.forked_map(pid_of, range(3))) == {os.getpid()}
    assert "fork server" in caplog.text


@pytest.mark.parametrize(
    ("env", "cores", "starts"), [("1", 2, False), ("", 1, False), ("2", 1, True)]
)
def test_when_only_one_job_would_run_then_no_server_is_started(monkeypatch, env, cores, starts):
    monkeypatch.setenv(forked.JOBS_ENV, env)
    monkeypatch.setattr(forked, "available_cores", lambda: cores)
    monkeypatch.setattr(forked, "fork_is_safe", lambda: False)
    monkeypatch.setattr(forked, "_SERVER", None)
    with forked.forkserver_workers(["pipeline.forked"]) as started:
        assert started is starts
    assert forked._SERVER is None
