"""EmbeddingCache: keys, hits and misses, shards, and a cached result equal to a fresh one."""

from __future__ import annotations

import stat

import numpy as np
import pytest

from pipeline import embedding_cache as C


def _fake_compute(calls):
    """A deterministic 'encoder': a text's vector depends only on the text."""

    def compute(texts):
        calls.append(list(texts))
        rows = [np.frombuffer(C.text_key(t)[:16], dtype=np.uint8) / 255.0 for t in texts]
        return np.round(np.array(rows, dtype=np.float32), 4)

    return compute


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("text", "text", True), ("text", "Text", False), ("café", "cafe", False), ("", "", True)],
)
def test_when_texts_keyed_then_equal_texts_and_only_those_share_a_key(a, b, same):
    assert len(C.text_key(a)) == C.KEY_BYTES
    assert (C.text_key(a) == C.text_key(b)) is same


def test_when_cache_empty_then_every_distinct_text_is_computed_once(tmp_path):
    calls = []
    cache = C.EmbeddingCache(tmp_path, "id" * 20)
    out = cache.encode(["a", "b", "a"], _fake_compute(calls))
    assert calls == [["a", "b"]]
    assert cache.misses == 2 and cache.hits == 0  # the repeated "a" is computed once
    assert np.array_equal(out[0], out[2]) and out.shape == (3, 16)


@pytest.mark.parametrize(
    ("first", "second", "computed"),
    [
        (["a", "b"], ["a", "b"], []),  # a rerun computes nothing
        (["a", "b"], ["b", "c", "a"], [["c"]]),  # an added text is the only one computed
        (["a"], ["d", "e"], [["d", "e"]]),  # nothing shared: all computed
    ],
)
def test_when_rerun_then_only_new_texts_are_computed(tmp_path, first, second, computed):
    C.EmbeddingCache(tmp_path, "x" * 40).encode(first, _fake_compute([]))
    calls = []
    cache = C.EmbeddingCache(tmp_path, "x" * 40)
    cached = cache.encode(second, _fake_compute(calls))
    assert calls == computed
    assert cache.hits == len(second) - sum(len(c) for c in computed)
    fresh = _fake_compute([])(second)
    assert cached.tobytes() == fresh.tobytes()  # the cached run equals a fresh run's bytes


def test_when_identity_differs_then_nothing_is_shared(tmp_path):
    C.EmbeddingCache(tmp_path, "onnx" * 10).encode(["a"], _fake_compute([]))
    calls = []
    C.EmbeddingCache(tmp_path, "torch" * 10).encode(["a"], _fake_compute(calls))
    assert calls == [["a"]]


def test_when_a_shard_has_no_keys_file_then_it_is_not_read(tmp_path):
    cache = C.EmbeddingCache(tmp_path, "k" * 40)
    cache.encode(["a"], _fake_compute([]))
    for keys in cache.folder.glob("*" + C.KEYS_SUFFIX):
        keys.unlink()  # a crash between the two renames
    calls = []
    cache.encode(["a"], _fake_compute(calls))
    assert calls == [["a"]]


def test_when_stored_then_files_are_owner_only(tmp_path):
    cache = C.EmbeddingCache(tmp_path / "cache", "p" * 40)
    cache.encode(["a"], _fake_compute([]))
    files = list(cache.folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == C.FILE_MODE for f in files)
    assert stat.S_IMODE(cache.folder.stat().st_mode) == C.DIR_MODE


def test_when_compacted_then_one_shard_with_the_same_vectors(tmp_path):
    cache = C.EmbeddingCache(tmp_path, "c" * 40)
    for texts in (["a", "b"], ["c"], ["d", "a"]):
        cache.encode(texts, _fake_compute([]))
    before = cache.lookup([C.text_key(t) for t in "abcd"])
    assert len(cache.shards()) == 3
    cache.compact()
    after = cache.lookup([C.text_key(t) for t in "abcd"])
    assert len(cache.shards()) == 1
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[k], after[k]) for k in before)
