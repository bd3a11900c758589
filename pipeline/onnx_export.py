"""The sentence encoder's transformer as an ONNX file, exported once from the local weights.

:func:`exported_model` returns ``<model cache>/<model digest>-opset<N>-v<M>.onnx``, exporting
it first (``torch.onnx.export`` of the model loaded offline by path, about ten seconds) when
it is not there yet. Nothing is downloaded: the file is made from the weights of the model
folder, and its name holds the sha256 of those weights, so a changed model is exported
again. The model cache is ``$QUALEVAL_MODEL_CACHE``, else ``$XDG_CACHE_HOME/qualeval/models``,
else ``~/.cache/qualeval/models``; it holds only public model weights, no evaluation data.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: the ONNX operator set the transformer is exported with
ONNX_OPSET = 17
#: bumped whenever the export itself changes (a new file name; the old one is not reused)
EXPORT_VERSION = 1
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: bumped whenever the int8 quantisation's settings change (a new file name)
QUANTISE_VERSION = 1


def model_cache() -> Path:
    """Where exported models are kept (see the module's docstring)."""
    given = os.environ.get("QUALEVAL_MODEL_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualeval" / "models"


def export_path(digest: str) -> Path:
    """The ONNX file of the model whose files hash to ``digest`` (exported or not)."""
    return model_cache() / f"{digest[:24]}-opset{ONNX_OPSET}-v{EXPORT_VERSION}.onnx"


def exported_model(digest: str, transformer: Callable[[], Any]) -> Path:
    """The model's ONNX file, exported first if it is not in the cache.

    Args:
        digest: the sha256 of the model's files (:func:`pipeline.encoder.model_digest`).
        transformer: returns the model's transformer (a ``transformers`` model), loaded
            offline; called only when the file is exported.
    """
    target = export_path(digest)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting the encoder to ONNX once (%s)", target.name)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    try:
        export(transformer(), Path(tmp))
        os.replace(tmp, target)  # atomic: a concurrent export writes the same model
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def quantised_model(fp32: Path) -> Path:
    """The int8 copy of the exported model ``fp32`` (``embed.backend: onnx-int8``), made once.

    onnxruntime's dynamic quantisation of the matrix products' weights, per output channel
    (one scale per column keeps the small MiniLM weights apart; one per tensor loses a tenth
    of the cosine) and in 7 bits (``reduce_range``: on CPUs without VNNI the 8-bit product
    can saturate, so the integer results would follow the CPU). Activations are quantised as
    the model runs. Deterministic: the same weights give the same file.
    """
    target = fp32.with_name(f"{fp32.stem}-int8-v{QUANTISE_VERSION}.onnx")
    if target.is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    log.info("quantising the encoder to int8 once (%s)", target.name)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".int8-", suffix=".onnx")
    os.close(fd)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the model is for image models
    try:
        quantize_dynamic(
            str(fp32), tmp, weight_type=QuantType.QInt8, per_channel=True,
            reduce_range=True, op_types_to_quantize=["MatMul"],
        )  # fmt: skip
        os.replace(tmp, target)
    finally:
        root.setLevel(level)
        Path(tmp).unlink(missing_ok=True)
    return target


def _wrapped(transformer: Any) -> Any:
    import torch

    class LastHidden(torch.nn.Module):
        """The transformer with positional inputs and its last hidden states as output."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    return LastHidden(transformer).eval()


def export(transformer: Any, target: Path) -> None:
    """Export ``transformer`` (inputs: ids, mask, token types) to the ONNX file ``target``."""
    import warnings

    import torch

    module = _wrapped(transformer)
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(target),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,
            do_constant_folding=True,
        )
