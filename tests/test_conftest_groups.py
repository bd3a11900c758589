"""The suite's xdist grouping (tests/conftest.py) must take effect, or shared fixtures run twice."""

from __future__ import annotations

import os

import pytest


@pytest.mark.skipif(
    "PYTEST_XDIST_WORKER" not in os.environ, reason="only under pytest-xdist workers"
)
def test_when_run_by_xdist_loadgroup_then_the_module_group_is_in_the_node_id(request):
    if not request.config.getvalue("loadgroup"):
        pytest.skip("not --dist loadgroup")
    # xdist marks a grouped test by suffixing its node id with "@<group>"; without it the
    # session `dvc repro` and module-scoped models are built on every worker
    assert request.node.nodeid.endswith("@" + request.module.__name__)
