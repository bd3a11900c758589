"""Representative quotes: the segments closest to each topic's centroid."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.topics.tables import QUOTE_COLUMNS, dtypes


def representative_quotes(
    seg: pd.DataFrame, embeddings: np.ndarray, topics: np.ndarray, n_quotes: int
) -> pd.DataFrame:
    """The ``n_quotes`` segments closest (cosine) to each topic's centroid; ties by segment id."""
    rows = []
    for t in sorted(set(topics.tolist()) - {-1}):
        idx = np.flatnonzero(topics == t)
        vecs = embeddings[idx].astype(np.float64)
        c = vecs.mean(axis=0)
        c /= np.linalg.norm(c) or 1.0
        sims = np.round(vecs @ c, 9)
        order = sorted(range(len(idx)), key=lambda j: (-sims[j], seg["segment_id"].iat[idx[j]]))
        seen: set[str] = set()
        rank = 0
        for j in order:
            row = seg.iloc[idx[j]]
            key = " ".join(str(row["text"]).lower().split())
            if key in seen:
                continue
            seen.add(key)
            rank += 1
            rows.append(
                (t, rank, row["segment_id"], row["interview_id"], row["turn_index"], row["text"])
            )
            if rank == n_quotes:
                break
    out = pd.DataFrame(rows, columns=list(QUOTE_COLUMNS))
    return out.astype(dtypes(QUOTE_COLUMNS))
