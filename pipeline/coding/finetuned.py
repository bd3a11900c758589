"""Fine-tuned encoder coder: the sentence encoder itself trained on human codes.

The supervised coder of :mod:`pipeline.coding.supervised` keeps the encoder frozen and fits linear
models on its embeddings and on TF-IDF n-grams. This coder instead fine-tunes the encoder
(all-MiniLM-L6-v2 by default, loaded offline from its local folder) end to end with a linear
multi-label head over mean-pooled token vectors, trained with binary cross-entropy. Rare codes
get a larger positive weight (``sqrt(negatives / positives)``, capped at
``pos_weight_max``), so that a code with twenty examples is not drowned by one with a thousand.

It is an optional member of :class:`pipeline.coding.supervised.SupervisedCoder` (``finetune=``),
whose probabilities are blended with the linear models' and whose thresholds are chosen on the
same out-of-fold predictions. It is slow on a laptop: about 70 s an epoch for 3,350 short
answers on 2 CPU cores, so five cross-validation folds and the final fit of five epochs each
take about half an hour. Use it when there are thousands of human-coded units.

Everything is seeded (weights of the head, dropout, batch order); on CPU two fits with the same
inputs and seed give the same probabilities. torch and transformers are imported only when a
model is fitted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.agreement import label_matrix
from pipeline.coding.labels import check_codes
from pipeline.errors import QualevalError

log = logging.getLogger(__name__)


class FineTunedCoder:
    """Multi-label coder: a fine-tuned transformer encoder with a linear head.

    Attributes (after :meth:`fit`):
        loss_: mean training loss of each epoch.
    """

    def __init__(
        self,
        codes: list[str],
        model: str | None = None,
        *,
        epochs: int = 5,
        lr: float = 8e-5,
        head_lr: float = 2e-3,
        batch_size: int = 16,
        max_length: int = 128,
        weight_decay: float = 0.01,
        warmup: float = 0.06,
        pos_weight_max: float = 10.0,
        seed: int = 0,
    ) -> None:
        """Configure the coder (nothing is loaded yet).

        Args:
            codes: The codes to predict, in output column order.
            model: Folder of a sentence-transformers or Hugging Face encoder; ``None`` for the
                packaged all-MiniLM-L6-v2.
            epochs: Passes over the training units.
            lr: Learning rate of the encoder (AdamW, linear warm-up then decay).
            head_lr: Learning rate of the linear head.
            batch_size: Units per optimisation step.
            max_length: Tokens kept per unit (longer units are truncated).
            weight_decay: AdamW weight decay.
            warmup: Share of the steps spent warming the learning rate up.
            pos_weight_max: Cap of a code's positive weight in the loss.
            seed: Seed of the head's initial weights, dropout and the batch order.

        Raises:
            ValueError: On an empty or duplicated code list or a non-positive setting.
        """
        self.codes = check_codes(codes)
        for name, value in (("epochs", epochs), ("batch_size", batch_size), ("lr", lr)):
            if value <= 0:
                raise ValueError(f"{name}: must be positive, got {value}")
        self.model = model
        self.epochs = epochs
        self.lr = lr
        self.head_lr = head_lr
        self.batch_size = batch_size
        self.max_length = max_length
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.pos_weight_max = pos_weight_max
        self.seed = seed
        self._net: Any = None

    # -- model --------------------------------------------------------------------------------

    def _model_path(self) -> str:
        if self.model:
            return str(self.model)
        from pipeline.encoder import default_model_path

        return default_model_path()

    def _load(self) -> tuple[Any, Any]:
        """A fresh tokenizer and encoder from the local folder (never from a hub)."""
        from pipeline.encoder import stay_offline

        stay_offline()
        path = Path(self._model_path())
        if not (path / "config.json").is_file():
            raise QualevalError(
                f"embed.model: {path}: no transformer model there to fine-tune (no "
                "config.json); leave embed.model empty for the packaged all-MiniLM-L6-v2, or "
                "set code.finetune_epochs: 0"
            )
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        encoder = AutoModel.from_pretrained(str(path), local_files_only=True)
        return tokenizer, encoder

    def _forward(self, batch: Sequence[str]) -> Any:
        tokenizer, encoder, head = self._net
        enc = tokenizer(
            list(batch),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        hidden = encoder(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return head(pooled)

    def _batches(self, lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
        """Shuffled batches of units of similar length (less padding, same expectation)."""
        perm = rng.permutation(len(lengths))
        chunk = self.batch_size * 50
        batches = []
        for start in range(0, len(perm), chunk):
            part = perm[start : start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        order = rng.permutation(len(batches))
        return [batches[i] for i in order]

    # -- public API ---------------------------------------------------------------------------

    def label_matrix(self, labels: Sequence[set[str]]) -> np.ndarray:
        """0/1 float matrix ``(n, k)`` of ``labels`` over :attr:`codes` (unknown codes ignored)."""
        return label_matrix(labels, self.codes, np.float32)

    def fit(self, texts: list[str], labels: list[set[str]]) -> FineTunedCoder:
        """Fine-tune a fresh copy of the encoder and a new head on ``texts`` and ``labels``.

        Raises:
            ValueError: On inconsistent lengths or no training unit.
        """
        texts = list(texts)
        if len(labels) != len(texts):
            raise ValueError(f"labels: expected {len(texts)} rows, got {len(labels)}")
        if not texts:
            raise ValueError("texts: nothing to train on")
        import torch

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        tokenizer, encoder = self._load()
        dim = int(encoder.config.hidden_size)
        head = torch.nn.Linear(dim, len(self.codes))
        self._net = (tokenizer, encoder, head)
        y = self.label_matrix(labels)
        pos = y.sum(0)
        pos_weight = torch.tensor(
            np.clip(np.sqrt((len(y) - pos) / np.maximum(pos, 1.0)), 1.0, self.pos_weight_max),
            dtype=torch.float32,
        )
        optimiser, scheduler = self._optimiser(encoder, head, len(texts))
        lengths = np.array([len(t) for t in texts])
        params = list(encoder.parameters()) + list(head.parameters())
        encoder.train()
        self.loss_: list[float] = []
        from tqdm.auto import tqdm

        for epoch in range(self.epochs):
            total, batches = 0.0, self._batches(lengths, rng)
            for b in tqdm(batches, desc=f"fine-tune epoch {epoch + 1}", leave=False, disable=None):
                logits = self._forward([texts[i] for i in b])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, torch.from_numpy(y[b]), pos_weight=pos_weight
                )
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                scheduler.step()
                optimiser.zero_grad()
                total += float(loss.item())
            self.loss_.append(total / max(len(batches), 1))
            log.info("fine-tune epoch %d/%d: loss %.4f", epoch + 1, self.epochs, self.loss_[-1])
        encoder.eval()
        return self

    def _optimiser(self, encoder: Any, head: Any, n_texts: int) -> tuple[Any, Any]:
        """AdamW over the encoder and the head, with linear warm-up then linear decay."""
        import torch

        optimiser = torch.optim.AdamW(
            [
                {"params": encoder.parameters(), "lr": self.lr},
                {"params": head.parameters(), "lr": self.head_lr},
            ],
            weight_decay=self.weight_decay,
        )
        steps = self.epochs * math.ceil(n_texts / self.batch_size)
        warm = max(1.0, self.warmup * steps)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / steps)
        )
        return optimiser, scheduler

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Per-code probabilities, shape ``(n, k)``, columns in :attr:`codes` order.

        Raises:
            RuntimeError: When the coder is not fitted.
        """
        if self._net is None:
            raise RuntimeError("FineTunedCoder: call fit() first")
        texts = list(texts)
        out = np.zeros((len(texts), len(self.codes)), dtype=np.float64)
        if not texts:
            return out
        import torch

        order = np.argsort([len(t) for t in texts], kind="stable")
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                logits = self._forward([texts[i] for i in idx])
                out[idx] = torch.sigmoid(logits).double().numpy()
        return out
