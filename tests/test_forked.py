"""Tests for pipeline.forked: independent calls spread over forked processes, results in order."""

from __future__ import annotations

import functools
import multiprocessing
import os

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
    ("env", "expected"),
    # None: the CPU cores; anything else unnamed: one job (forking is opt-in)
    [("1", 1), ("3", 3), ("auto", None), ("AUTO", None), ("0", 1), ("many", 1), ("", 1)],
)
def test_when_jobs_named_in_the_environment_then_they_are_used(monkeypatch, env, expected):
    monkeypatch.setenv(forked.JOBS_ENV, env)
    cores = len(os.sched_getaffinity(0))
    assert forked.default_jobs() == (cores if expected is None else expected)


def test_when_jobs_not_named_then_calls_run_here(monkeypatch):
    monkeypatch.delenv(forked.JOBS_ENV, raising=False)
    assert set(forked.forked_map(pid_of, range(3))) == {os.getpid()}


@pytest.mark.parametrize(
    ("env", "warned"), [("many", True), ("0", True), ("auto", False), ("", False)]
)
def test_when_jobs_not_understood_then_a_warning_names_the_variable(
    monkeypatch, caplog, env, warned
):
    monkeypatch.setenv(forked.JOBS_ENV, env)
    forked.default_jobs()
    assert (forked.JOBS_ENV in caplog.text) is warned
