"""qualeval: reproducible qualitative evaluation pipeline."""

import os

# numba (under UMAP) compiles for the CPU it runs on, so AVX-512 and AVX2 machines sum in a
# different order and lay out different topics; generic code is the same on every x86-64
# machine (ADR 0029). Set before any stage can import numba; a user's own setting wins.
os.environ.setdefault("NUMBA_CPU_NAME", "generic")
