"""Cosine similarities that come out the same on every machine.

A float32 matrix product's last bits depend on which kernel the BLAS library picks for the
CPU it runs on (AVX2, AVX-512, ...), so two machines disagree on about one similarity in ten
thousand in the seventh digit, and a threshold or a nearest neighbour can flip. Here the
product is taken in float64, whose kernel-dependent error (about 1e-16) sits far below the
rounding grid, then rounded: the result is identical bytes on any x86-64 or ARM machine
(ADR 0029).
"""

from __future__ import annotations

import numpy as np

#: similarities are rounded to this many decimals, far above float64's kernel noise
SIMILARITY_DECIMALS = 6


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` in float64, rounded to :data:`SIMILARITY_DECIMALS`, as float32 (n, m)."""
    left = np.asarray(a, dtype=np.float64)
    right = np.asarray(b, dtype=np.float64)
    if left.ndim == 1:
        return np.round(right @ left, SIMILARITY_DECIMALS).astype(np.float32)
    return np.round(left @ right.T, SIMILARITY_DECIMALS).astype(np.float32)
