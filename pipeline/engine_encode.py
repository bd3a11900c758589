"""Embedding on an engine's workers, batch for batch as one local call would (ADR 0028).

An embedding's last bits depend on the batch it was computed in (its padding length), and
:func:`pipeline.encoder.quantise` rounds most, not all, of that away: encoding the sample's
2,599 segments interview by interview instead of in one call changes 123 values. So the Dask
engine does not partition by interview here: it forms the very batches the encoder forms in
one call (sentence-transformers sorts the texts longest first, by characters, and cuts the
order into ``batch_size`` batches), sends consecutive runs of those batches to the workers,
encodes each batch on its own, and puts the rows back in place. The vectors are then the
same bytes as the local engine's (checked on the sample by ``tests/test_engine.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.encoder import DEFAULT_BACKEND, encode
from pipeline.engine import Engine, chunks


def batch_plan(texts: Sequence[str], batch_size: int) -> list[np.ndarray]:
    """The rows of each batch one ``encode(texts)`` call forms, in its order.

    The same ordering sentence-transformers computes (``np.argsort`` of minus the length in
    characters); it interleaves long and short inputs only for flattened (flash-attention)
    inputs, which the CPU encoder does not use.
    """
    order = np.argsort([-len(t) for t in texts])
    return [order[i : i + batch_size] for i in range(0, len(order), max(1, batch_size))]


def encode_batches(
    model: str | None, batch_size: int, backend: str, batches: Sequence[Sequence[str]]
) -> list[np.ndarray]:
    """Each batch encoded on its own (runs on a worker, which loads the encoder once)."""
    return [encode(list(batch), model, batch_size, backend=backend) for batch in batches]


def encode_on(
    engine: Engine,
    segments: pd.DataFrame,
    model: str | None,
    batch_size: int,
    backend: str = DEFAULT_BACKEND,
) -> np.ndarray:
    """:func:`pipeline.encoder.encode` of the segments' ``text``, on ``engine``; same bytes.

    A partition holds about as many segments as ``engine.partition_interviews`` interviews
    have, in whole batches.
    """
    texts = segments["text"].tolist()
    if engine.name == "local" or not texts:
        return encode(texts, model, batch_size, backend=backend)
    n_interviews = segments["interview_id"].nunique()
    plan = batch_plan(texts, batch_size)
    per_part = len(texts) * engine.partition_interviews / max(1, n_interviews)
    parts = chunks(plan, max(1, round(per_part / batch_size)))
    jobs = ([[texts[i] for i in batch] for batch in part] for part in parts)
    fn = functools.partial(encode_batches, model, batch_size, backend)
    rows: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for part, vectors in zip(parts, engine.map(fn, jobs)):
        rows.extend(part)
        blocks.extend(vectors)
    stacked = np.concatenate(blocks)
    out = np.empty_like(stacked)
    out[np.concatenate(rows)] = stacked
    return out
