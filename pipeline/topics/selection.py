"""Which segments are clustered: all of them, or the residual ones no code explains."""

from __future__ import annotations

import numpy as np
import pandas as pd


def select_segments(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    mode: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """All segments, or the residual ones (no row in the segment codes)."""
    if mode == "all":
        keep = np.ones(len(segments), dtype=bool)
    else:
        coded = set(segment_codes["segment_id"].astype(str))
        keep = ~segments["segment_id"].astype(str).isin(coded).to_numpy()
    return segments.loc[keep].reset_index(drop=True), embeddings[keep]
