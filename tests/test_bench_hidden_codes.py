"""The hidden-code benchmark's diagnosis of a removed code and its least-explained study."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_hidden_codes as B


def _turns(*ids: int) -> set:
    return {("I", i) for i in ids}


GOLD = _turns(*range(10))  # ten gold turns: the recall bound is 3
KEPT = _turns(*range(100))


@pytest.mark.parametrize(
    ("topics", "emergent", "kept", "verdict"),
    [
        ({0: _turns(0, 1, 2, 3), 1: _turns(50, 51)}, {0}, KEPT, "recovered"),
        ({0: _turns(0, 1, 2, 3), 1: _turns(50, 51)}, {1}, KEPT, "not flagged"),
        ({0: _turns(0, 1)}, {0}, _turns(0, 1, *range(50, 60)), "left out"),
        ({0: _turns(0, 1, 2, 3, *range(20, 30))}, {0}, KEPT, "drowned"),
        ({0: _turns(0, 1), 1: _turns(2, 3), 2: _turns(4, 5)}, {0, 1, 2}, KEPT, "spread"),
    ],
)
def test_when_gold_turns_lie_differently_then_the_verdict_names_why(
    topics, emergent, kept, verdict
):
    out = B.diagnose(GOLD, topics, emergent, kept, coded=set())
    assert out["verdict"] == verdict


def test_when_a_topic_holds_most_gold_turns_then_it_is_the_largest_holder():
    topics = {0: _turns(0, 1, *range(20, 30)), 1: _turns(2, 3, 4), 2: _turns(5)}
    out = B.diagnose(GOLD, topics, {1}, KEPT, coded=_turns(0, 1, 2, 3, 4))
    assert out["largest_holder"] == {"topic": 1, "hits": 3, "topic_turns": 3, "emergent": True}
    assert out["n_topics_holding"] == 3
    assert out["still_coded_share"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("share", "size", "n_groups"),
    [(1.0, 2, 4), (0.5, 2, 2), (1.0, 5, 0)],  # too few turns for two groups: none
)
def test_when_least_explained_turns_are_clustered_then_groups_have_about_size_turns(
    share, size, n_groups
):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(8, 4))
    keys = [("I", i) for i in range(8)]
    margin = np.arange(8, dtype=float)  # turn 0 is the least explained
    groups = B.least_explained_themes(keys, vectors, margin, share, size)
    assert len(groups) == n_groups
    chosen = set().union(*groups) if groups else set()
    assert chosen == (set(keys[: round(share * 8)]) if groups else set())
