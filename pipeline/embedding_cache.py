"""Embeddings kept between runs, keyed by encoder identity and text hash (ADR 0026).

A cache folder (``embed.cache_dir``, in the git-ignored private area: the vectors are of
anonymised transcript text, and vectors can be partly inverted) holds one sub-folder per
encoder identity (:func:`pipeline.encoder.encoder_identity`: the model's bytes, backend and
runtime version, rounding), and in it *shards*: ``<name>.keys.npy`` (one sha256 of a text's
UTF-8 bytes per row, 32 bytes) beside ``<name>.vectors.npy`` (the vectors :func:`encode`
returned for them, float32). A shard is written once, vectors first and keys last, each by an
atomic rename, and never changed, so concurrent runs (pytest-xdist, Dask workers) can share a
folder and a crash leaves no half shard that is read. Vectors are stored exactly as computed,
and a text's vector does not depend on the texts embedded with it, so a cached run's output is
byte-identical to a fresh one's. :meth:`EmbeddingCache.compact` merges the shards into one.

The cache is a side store, like a model folder: DVC neither tracks it nor depends on it, and
deleting it only makes the next run slower.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEYS_SUFFIX = ".keys.npy"
VECTORS_SUFFIX = ".vectors.npy"
DIR_MODE = 0o700
FILE_MODE = 0o600


def text_key(text: str) -> bytes:
    """The cache key of one text: the sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """The shards of one encoder identity in one cache folder."""

    def __init__(self, root: Path, identity: str) -> None:
        """Use ``root/<identity[:32]>`` (created, owner-only, when something is stored)."""
        self.folder = Path(root) / identity[:32]
        self.hits = 0
        self.misses = 0

    def shards(self) -> list[str]:
        """The names of the complete shards (those whose keys file exists), sorted."""
        if not self.folder.is_dir():
            return []
        names = [p.name[: -len(KEYS_SUFFIX)] for p in self.folder.glob("*" + KEYS_SUFFIX)]
        return sorted(n for n in names if (self.folder / (n + VECTORS_SUFFIX)).is_file())

    def lookup(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vector of each of ``keys`` that is in the cache."""
        wanted = set(keys)
        found: dict[bytes, np.ndarray] = {}
        for name in self.shards():
            stored = np.load(self.folder / (name + KEYS_SUFFIX), allow_pickle=False)
            rows = [i for i, k in enumerate(map(bytes, stored)) if k in wanted]
            if not rows:
                continue
            vectors = np.load(self.folder / (name + VECTORS_SUFFIX), mmap_mode="r")
            for i in rows:
                found.setdefault(bytes(stored[i]), np.array(vectors[i], dtype=np.float32))
        return found

    def store(self, keys: Sequence[bytes], vectors: np.ndarray) -> str:
        """Add one shard holding ``keys`` and their ``vectors``; return its name ("": none)."""
        if not len(keys):
            return ""
        self.folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        name = hashlib.sha256(key_array.tobytes()).hexdigest()[:24]
        _save(self.folder / (name + VECTORS_SUFFIX), np.asarray(vectors, dtype=np.float32))
        _save(self.folder / (name + KEYS_SUFFIX), key_array)
        return name

    def encode(
        self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """``compute(texts)``, computing only the distinct texts the cache does not hold."""
        keys = [text_key(t) for t in texts]
        found = self.lookup(keys)
        new: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in found:
                new.setdefault(key, text)
        self.hits, self.misses = len(texts) - sum(k in new for k in keys), len(new)
        if new:
            vectors = compute(list(new.values()))
            self.store(list(new), vectors)
            found.update(zip(new, np.asarray(vectors, dtype=np.float32)))
        log.info("embedding cache: %d of %d texts cached", self.hits, len(texts))
        return np.ascontiguousarray(np.stack([found[k] for k in keys]), dtype=np.float32)

    def compact(self) -> None:
        """Merge every shard into one (the same keys and vectors, fewer files)."""
        names = self.shards()
        if len(names) < 2:
            return
        keys: dict[bytes, np.ndarray] = {}
        for name in names:
            stored = np.load(self.folder / (name + KEYS_SUFFIX), allow_pickle=False)
            vectors = np.load(self.folder / (name + VECTORS_SUFFIX), allow_pickle=False)
            for k, v in zip(map(bytes, stored), vectors):
                keys.setdefault(k, v)
        merged = self.store(list(keys), np.stack(list(keys.values())))
        for name in names:
            if name == merged:
                continue
            (self.folder / (name + KEYS_SUFFIX)).unlink(missing_ok=True)
            (self.folder / (name + VECTORS_SUFFIX)).unlink(missing_ok=True)


def _save(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` (owner-only) by an atomic rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
