"""Supervised deductive coder: one linear classifier per code, trained on human-coded units.

Each unit is represented by its sentence embedding (e.g. from :func:`pipeline.embed.encode`)
concatenated with TF-IDF word and character n-gram features fitted on the training texts. One
``LogisticRegression(class_weight="balanced")`` per code gives a probability; each code then has
its own decision threshold, chosen by cross-validation on the training data (out-of-fold
probabilities, threshold maximising that code's F1 on a grid 0.05..0.95).

Multi-label: a unit gets every code whose probability reaches the code's threshold. When no code
does, the *fallback* gives it the code with the highest ``probability / threshold`` if that ratio
is at least ``fallback_ratio`` (default 0.5, i.e. probability >= half the threshold); this suits
data where every unit carries at least one code. Whether to use it is a constructor option; the
NHS FFT benchmark (``benchmarks/bench_nhs_fft.py``) chooses it by cross-validation on training
data, never on the evaluation split.

Everything is deterministic: folds are seeded, ``liblinear`` is seeded, and no parallelism is
used, so the same inputs give identical outputs. Only numpy, scipy and scikit-learn are
imported; no model is loaded here (embeddings are an input).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

log = logging.getLogger(__name__)

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
DEFAULT_THRESHOLD = 0.5


def f1_at(y: np.ndarray, pred: np.ndarray) -> float:
    """F1 of the positive class for 0/1 vectors (0.0 when there is nothing to score)."""
    tp = float(np.sum(y & pred))
    denom = float(np.sum(y) + np.sum(pred))
    return 2.0 * tp / denom if denom else 0.0


def best_threshold(y: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> tuple:
    """The grid threshold maximising F1 of ``proba >= t`` against ``y``.

    Ties are broken towards the median of the tied thresholds, which is less brittle than the
    first or last one when F1 is flat (few positives).

    Returns:
        ``(threshold, f1)``.
    """
    y = np.asarray(y, dtype=bool)
    scores = np.array([f1_at(y, proba >= t) for t in grid])
    best = scores.max()
    tied = grid[np.isclose(scores, best)]
    return float(tied[(len(tied) - 1) // 2]), float(best)


class SupervisedCoder:
    """Multi-label coder: per-code logistic regression over embeddings and TF-IDF n-grams.

    Attributes (after :meth:`fit`):
        thresholds_: per-code decision threshold, ``{code: float}``.
        cv_f1_: per-code out-of-fold F1 at the chosen threshold, ``{code: float}``.
        oof_proba_: out-of-fold probabilities on the training units, shape ``(n, k)``.
        n_positive_: per-code number of positive training units.
    """

    def __init__(
        self,
        codes: list[str],
        C: float = 4.0,
        seed: int = 0,
        n_splits: int = 5,
        *,
        emb_weight: float = 1.0,
        word_weight: float = 1.0,
        char_weight: float = 1.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_iter: int = 1000,
        fallback: bool = True,
        fallback_ratio: float = 0.5,
    ) -> None:
        """Configure the coder (nothing is fitted yet).

        Args:
            codes: The codes to predict, in output column order.
            C: Inverse regularisation strength of every logistic regression.
            seed: Seed for the cross-validation folds and the solver.
            n_splits: Folds used to choose the per-code thresholds.
            emb_weight: Scale of the (L2-normalised) embedding block; 0 drops it.
            word_weight: Scale of the word n-gram TF-IDF block; 0 drops it.
            char_weight: Scale of the character n-gram TF-IDF block; 0 drops it.
            word_ngrams: Word n-gram range of the word TF-IDF.
            char_ngrams: Character n-gram range (``char_wb``) of the character TF-IDF.
            min_df: Minimum document frequency of an n-gram.
            max_iter: Solver iterations.
            fallback: Give a unit with no code its best code (see module docstring).
            fallback_ratio: Minimum ``probability / threshold`` for the fallback code.

        Raises:
            ValueError: On an empty or duplicated code list, or ``n_splits < 2``.
        """
        if not codes:
            raise ValueError("codes: empty")
        if len(set(codes)) != len(codes):
            raise ValueError("codes: duplicated code")
        if n_splits < 2:
            raise ValueError("n_splits: must be at least 2")
        self.codes = list(codes)
        self.C = C
        self.seed = seed
        self.n_splits = n_splits
        self.emb_weight = emb_weight
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.min_df = min_df
        self.max_iter = max_iter
        self.fallback = fallback
        self.fallback_ratio = fallback_ratio
        self._fitted = False

    # -- features ---------------------------------------------------------------------------

    def _vectorizers(self, n_docs: int) -> list[tuple[TfidfVectorizer, float]]:
        min_df = self.min_df if n_docs >= 10 * self.min_df else 1
        out = []
        if self.word_weight:
            out.append(
                (
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=self.word_ngrams,
                        min_df=min_df,
                        sublinear_tf=True,
                        lowercase=True,
                        token_pattern=r"(?u)\b\w+\b",
                        dtype=np.float64,
                    ),
                    self.word_weight,
                )
            )
        if self.char_weight:
            out.append(
                (
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=self.char_ngrams,
                        min_df=min_df,
                        sublinear_tf=True,
                        lowercase=True,
                        dtype=np.float64,
                    ),
                    self.char_weight,
                )
            )
        return out

    @staticmethod
    def _stack(texts: Sequence[str], embeddings: np.ndarray, vecs, emb_weight: float, fit: bool):
        blocks = []
        if emb_weight:
            blocks.append(sparse.csr_matrix(np.asarray(embeddings, dtype=np.float64) * emb_weight))
        for vec, weight in vecs:
            x = vec.fit_transform(texts) if fit else vec.transform(texts)
            blocks.append(x * weight)
        if not blocks:
            raise ValueError("all feature blocks have weight 0")
        return sparse.hstack(blocks, format="csr")

    def _check(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        embeddings = np.asarray(embeddings)
        if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
            raise ValueError(
                f"embeddings: expected shape ({len(texts)}, dim), got {embeddings.shape}"
            )
        return embeddings

    # -- one fit ----------------------------------------------------------------------------

    def _fit_models(self, texts: Sequence[str], embeddings: np.ndarray, y: np.ndarray) -> tuple:
        """Fit the vectorizers and one model per code; ``None`` for a code with one class."""
        vecs = self._vectorizers(len(texts))
        x = self._stack(texts, embeddings, vecs, self.emb_weight, fit=True)
        models = []
        for j in range(y.shape[1]):
            col = y[:, j]
            if col.min() == col.max():
                models.append(float(col[0]) if len(col) else 0.0)
                continue
            clf = LogisticRegression(
                C=self.C,
                class_weight="balanced",
                solver="liblinear",
                max_iter=self.max_iter,
                random_state=self.seed,
            )
            clf.fit(x, col)
            models.append(clf)
        return vecs, models

    def _proba(self, vecs, models, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        x = self._stack(texts, embeddings, vecs, self.emb_weight, fit=False)
        out = np.zeros((x.shape[0], len(models)), dtype=np.float64)
        for j, m in enumerate(models):
            out[:, j] = m.predict_proba(x)[:, 1] if hasattr(m, "predict_proba") else m
        return out

    # -- public API -------------------------------------------------------------------------

    def label_matrix(self, labels: Sequence[set[str]]) -> np.ndarray:
        """0/1 matrix ``(n, k)`` of ``labels`` over :attr:`codes` (unknown codes ignored)."""
        index = {c: j for j, c in enumerate(self.codes)}
        y = np.zeros((len(labels), len(self.codes)), dtype=np.int8)
        for i, row in enumerate(labels):
            for code in row:
                if code in index:
                    y[i, index[code]] = 1
        return y

    def fit(
        self,
        texts: list[str],
        embeddings: np.ndarray,
        labels: list[set[str]],
        groups: list[str] | None = None,
    ) -> SupervisedCoder:
        """Fit the per-code classifiers and choose per-code thresholds by cross-validation.

        Out-of-fold probabilities come from ``GroupKFold`` when ``groups`` is given (no group
        in both the training and the held-out part of a fold), else from a shuffled, seeded
        ``KFold``; vectorizers are refitted inside each fold. Each code's threshold maximises
        its out-of-fold F1 on the grid 0.05..0.95. Codes with fewer than two positive units get
        threshold 0.5 and a logged warning.

        Args:
            texts: Training texts (also the TF-IDF corpus).
            embeddings: Their embeddings, shape ``(n, dim)``.
            labels: The set of codes of each text.
            groups: Optional group of each text (e.g. respondent), for grouped folds.

        Returns:
            The fitted coder.

        Raises:
            ValueError: On inconsistent lengths or shapes.
        """
        texts = list(texts)
        embeddings = self._check(texts, embeddings)
        if len(labels) != len(texts):
            raise ValueError(f"labels: expected {len(texts)} rows, got {len(labels)}")
        unknown = sorted({c for row in labels for c in row} - set(self.codes))
        if unknown:
            log.warning("ignoring %d code(s) not in codes: %s", len(unknown), unknown[:5])
        y = self.label_matrix(labels)
        n = len(texts)
        n_splits = min(self.n_splits, n)
        if groups is not None:
            if len(groups) != n:
                raise ValueError(f"groups: expected {n} rows, got {len(groups)}")
            n_splits = min(n_splits, len(set(groups)))
            # GroupKFold is deterministic but orders groups by size; shuffle group ids with
            # the seed first so ties between equal-sized groups do not depend on input order.
            uniq = sorted(set(groups))
            perm = np.random.default_rng(self.seed).permutation(len(uniq))
            rank = {g: int(perm[i]) for i, g in enumerate(uniq)}
            splits = list(
                GroupKFold(n_splits=n_splits).split(texts, groups=[rank[g] for g in groups])
            )
        else:
            kf = KFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
            splits = list(kf.split(texts))

        oof = np.zeros(y.shape, dtype=np.float64)
        for train_idx, test_idx in splits:
            vecs, models = self._fit_models(
                [texts[i] for i in train_idx], embeddings[train_idx], y[train_idx]
            )
            oof[test_idx] = self._proba(
                vecs, models, [texts[i] for i in test_idx], embeddings[test_idx]
            )

        self.n_positive_ = {c: int(y[:, j].sum()) for j, c in enumerate(self.codes)}
        self.thresholds_, self.cv_f1_ = {}, {}
        for j, code in enumerate(self.codes):
            if self.n_positive_[code] < 2:
                log.warning(
                    "code %r has %d positive training unit(s); threshold left at %.2f",
                    code,
                    self.n_positive_[code],
                    DEFAULT_THRESHOLD,
                )
                t = DEFAULT_THRESHOLD
                f1 = f1_at(y[:, j].astype(bool), oof[:, j] >= t)
            else:
                t, f1 = best_threshold(y[:, j], oof[:, j])
            self.thresholds_[code] = t
            self.cv_f1_[code] = f1
        self.oof_proba_ = oof
        self._vecs, self._models = self._fit_models(texts, embeddings, y)
        self._fitted = True
        return self

    def predict_proba(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Per-code probabilities, shape ``(n, k)``, columns in :attr:`codes` order.

        Raises:
            RuntimeError: When the coder is not fitted.
        """
        if not self._fitted:
            raise RuntimeError("SupervisedCoder: call fit() first")
        texts = list(texts)
        embeddings = self._check(texts, embeddings)
        if not texts:
            return np.zeros((0, len(self.codes)), dtype=np.float64)
        return self._proba(self._vecs, self._models, texts, embeddings)

    def decide(self, proba: np.ndarray, fallback: bool | None = None) -> list[set[str]]:
        """Codes per row from probabilities, with the per-code thresholds and the fallback.

        Args:
            proba: Probabilities, shape ``(n, k)`` (e.g. :meth:`predict_proba` or
                :attr:`oof_proba_`).
            fallback: Override the constructor's ``fallback``.

        Returns:
            One set of codes per row.
        """
        use_fallback = self.fallback if fallback is None else fallback
        thr = np.array([self.thresholds_[c] for c in self.codes])
        hits = proba >= thr
        out = []
        for i in range(proba.shape[0]):
            row = {self.codes[j] for j in np.flatnonzero(hits[i])}
            if not row and use_fallback:
                ratio = proba[i] / thr
                j = int(np.argmax(ratio))
                if ratio[j] >= self.fallback_ratio:
                    row = {self.codes[j]}
            out.append(row)
        return out

    def predict(self, texts: list[str], embeddings: np.ndarray) -> list[set[str]]:
        """The set of codes of each text (thresholds, then the fallback when enabled)."""
        return self.decide(self.predict_proba(texts, embeddings))
