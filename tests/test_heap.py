"""pipeline.heap: the long-lived heap is frozen during the work and only then."""

from __future__ import annotations

import gc

import pytest

from pipeline.heap import frozen_heap


def test_when_block_runs_then_existing_objects_are_frozen_and_unfrozen_after():
    gc.unfreeze()
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_when_block_raises_then_heap_is_unfrozen_all_the_same():
    gc.unfreeze()
    with pytest.raises(ValueError), frozen_heap():
        raise ValueError("boom")
    assert gc.get_freeze_count() == 0


def test_when_caller_froze_first_then_the_freeze_stays_theirs():
    gc.unfreeze()
    gc.freeze()
    try:
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_when_used_as_decorator_then_cycles_made_inside_are_still_collected():
    @frozen_heap()
    def make_cycle() -> int:
        a: list = []
        a.append(a)
        del a
        return gc.collect()

    gc.unfreeze()
    assert make_cycle() >= 1
    assert gc.get_freeze_count() == 0


def test_when_gc_paused_then_it_is_off_inside_and_restored_after():
    from pipeline.heap import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
