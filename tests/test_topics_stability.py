"""Tests for pipeline.topics.stability: the other seeds' runs, fitted at once, in seed order."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest

from pipeline.params import TopicsParams
from pipeline.topics import stability as S


def fake_assign(docs, embeddings, params, seed, encoder):
    # the seed and the process that fitted it, so the test sees both order and spread
    return SimpleNamespace(final=np.array([seed, os.getpid()]))


@pytest.mark.parametrize(
    ("seeds", "jobs", "expected_seeds"),
    [(1, "2", []), (2, "1", [1]), (3, "2", [1, 2]), (4, "2", [1, 2, 3])],
)
def test_when_seed_runs_then_first_then_each_other_seed_in_order(
    monkeypatch, seeds, jobs, expected_seeds
):
    monkeypatch.setattr(S, "assign_topics", fake_assign)
    monkeypatch.setenv("QUALEVAL_JOBS", jobs)
    params = TopicsParams(stability_seeds=seeds, seed=0)
    first = np.array([9, 9])
    runs = S.seed_runs(["a", "b"], np.zeros((2, 3), np.float32), params, first)
    assert runs[0] is first
    assert [int(r[0]) for r in runs[1:]] == expected_seeds
    in_children = {int(r[1]) for r in runs[1:]} - {os.getpid()}
    assert bool(in_children) is (jobs != "1" and len(expected_seeds) > 1)


def test_when_no_documents_then_only_the_first_run(monkeypatch):
    monkeypatch.setattr(S, "assign_topics", fake_assign)
    first = np.zeros(0, dtype=np.int64)
    runs = S.seed_runs([], np.zeros((0, 3), np.float32), TopicsParams(stability_seeds=3), first)
    assert len(runs) == 1
