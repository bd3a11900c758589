"""Supervised deductive coder: one linear classifier per code, trained on human-coded units.

Each unit is represented by its sentence embedding (e.g. from :func:`pipeline.encoder.encode`)
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
used, so the same inputs give identical outputs. Of the libraries, only numpy, scipy and
scikit-learn are imported; no model is loaded here (embeddings are an input).
:func:`cross_fit_supervised` is the code stage's use of the coder: turn decisions, each from a
model trained on the other interviews.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from pipeline.agreement import f1, label_matrix, macro_f1
from pipeline.coding.calibration import best_on_grid, f1_curve, interview_folds
from pipeline.coding.labels import check_codes
from pipeline.params import CodeParams
from pipeline.similarity import similarity

log = logging.getLogger(__name__)

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)
DEFAULT_THRESHOLD = 0.5


def best_threshold(y: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> tuple:
    """The grid threshold maximising F1 of ``proba >= t`` against ``y``.

    Ties are broken towards the median of the tied thresholds, which is less brittle than the
    first or last one when F1 is flat (few positives).

    Returns:
        ``(threshold, f1)``.
    """
    scores = f1_curve(proba, y, grid)
    return best_on_grid(grid, scores), float(scores.max())


SHRINKAGE_GRID = (0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)
WEIGHT_GRID = (0.0, 0.25, 0.5, 0.75)
MAX_EXTRA_WEIGHT = 0.75


def global_threshold(y: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> float:
    """The one grid threshold maximising macro-F1 over the codes with a positive unit."""
    y = np.asarray(y, dtype=bool)
    cols = np.flatnonzero(y.any(axis=0))
    if not len(cols):
        return DEFAULT_THRESHOLD
    scores = np.mean([f1_curve(proba[:, j], y[:, j], grid) for j in cols], axis=0)
    return best_on_grid(grid, scores)


def shrunk_thresholds(y: np.ndarray, proba: np.ndarray, shrinkage: float) -> np.ndarray:
    """Per-code thresholds pulled towards the global one: ``(n t_j + k t_g) / (n + k)``.

    A code's own best threshold rests on its ``n`` positive units; with few of them it
    is noisy, so it is averaged with the global threshold as if that had ``k``
    (``shrinkage``) positives behind it. Codes without a positive unit get the global
    threshold.
    """
    y = np.asarray(y, dtype=bool)
    own = np.array([best_threshold(y[:, j], proba[:, j])[0] for j in range(y.shape[1])])
    n = y.sum(axis=0).astype(np.float64)
    if shrinkage <= 0:
        return np.where(n > 0, own, DEFAULT_THRESHOLD)
    glob = global_threshold(y, proba)
    return np.round((n * own + shrinkage * glob) / (n + shrinkage), 4)


def _halves(groups: Sequence, seed: int) -> np.ndarray:
    """A seeded 0/1 split of the units into two halves, whole groups on one side."""
    uniq = sorted({str(g) for g in groups})
    side = np.random.default_rng(seed + 1).permutation(len(uniq)) % 2
    where = {g: int(side[i]) for i, g in enumerate(uniq)}
    return np.array([where[str(g)] for g in groups], dtype=np.int8)


def blend_candidates(members: Sequence[str]) -> list[dict[str, float]]:
    """Candidate weights of the extra members (the linear models keep the rest).

    Each weight is from ``WEIGHT_GRID`` and together they are at most ``MAX_EXTRA_WEIGHT``.
    """
    combos = itertools.product(WEIGHT_GRID, repeat=len(members))
    return [
        dict(zip(members, map(float, c), strict=True))
        for c in combos
        if sum(c) <= MAX_EXTRA_WEIGHT + 1e-9
    ]


def mix(linear: np.ndarray, extra: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """``(1 - sum of weights) * linear + sum of weight * member``."""
    out = (1.0 - sum(weights.values())) * linear
    for name, w in weights.items():
        if w:
            out = out + w * extra[name]
    return out


def choose_calibration(
    y: np.ndarray,
    oof: np.ndarray,
    extra: dict[str, np.ndarray],
    halves: np.ndarray,
    candidates: Sequence[dict[str, float]] | None = None,
    shrinkages: Sequence[float] = SHRINKAGE_GRID,
) -> tuple[dict[str, float], float, list[dict]]:
    """Member weights and threshold shrinkage chosen by cross-evaluation on out-of-fold scores.

    Thresholds chosen on the same predictions they are scored on flatter every setting
    that lets them fit more freely (per-code thresholds of rare codes most of all). So for
    each setting the thresholds are chosen on one half of the units and macro-F1 is scored
    on the other half, both ways round; the setting with the best mean wins (ties: the
    smaller total weight of the extra members, then the smaller shrinkage).

    Args:
        y: Gold 0/1 matrix ``(n, k)``.
        oof: Out-of-fold probabilities of the linear models.
        extra: Out-of-fold probabilities of the other members, by name.
        halves: 0/1 side of each unit (see :func:`_halves`).
        candidates: Member weights to try; default :func:`blend_candidates` of ``extra``.
        shrinkages: Threshold shrinkages to try.

    Returns:
        ``(weights, shrinkage, rows)``: the chosen setting, and one row per setting scored.
    """
    y = np.asarray(y, dtype=bool)
    if candidates is None:
        candidates = blend_candidates(sorted(extra))
    rows = []
    for weights in candidates:
        proba = mix(oof, extra, weights)
        for k in shrinkages:
            score, parts = 0.0, 0
            for side in (0, 1):
                fit, held = halves == side, halves != side
                if not fit.any() or not held.any():
                    continue
                thr = shrunk_thresholds(y[fit], proba[fit], k)
                score += macro_f1(y[held], proba[held] >= thr)
                parts += 1
            rows.append(
                {
                    "weights": dict(weights),
                    "shrinkage": float(k),
                    "macro_f1": round(score / parts, 4) if parts else 0.0,
                }
            )
    best = max(rows, key=lambda r: (r["macro_f1"], -sum(r["weights"].values()), -r["shrinkage"]))
    return best["weights"], best["shrinkage"], rows


KNN_DEFAULTS = {"k": 25, "temperature": 10.0}


def knn_proba(
    train_emb: np.ndarray,
    train_y: np.ndarray,
    query_emb: np.ndarray,
    k: int = 25,
    temperature: float = 10.0,
    chunk: int = 1024,
) -> np.ndarray:
    """Per-code scores from the ``k`` most similar training units (cosine of embeddings).

    Each neighbour votes with its codes, weighted by ``softmax(temperature * cosine)`` over
    the neighbours, so the score of a code is the weighted share of neighbours carrying it
    (between 0 and 1).
    """
    train = np.asarray(train_emb, dtype=np.float64)
    train = train / np.maximum(np.linalg.norm(train, axis=1, keepdims=True), 1e-12)
    query = np.asarray(query_emb, dtype=np.float64)
    query = query / np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-12)
    y = np.asarray(train_y, dtype=np.float64)
    out = np.zeros((len(query), y.shape[1]), dtype=np.float64)
    if not len(train) or not len(query):
        return out
    k = max(1, min(int(k), len(train)))
    for start in range(0, len(query), chunk):
        sims = similarity(query[start : start + chunk], train).astype(np.float64)
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sims, idx, axis=1)
        w = np.exp(temperature * (top - top.max(axis=1, keepdims=True)))
        w /= w.sum(axis=1, keepdims=True)
        out[start : start + chunk] = np.einsum("nk,nkc->nc", w, y[idx])
    return out


def _checked_blend(blend: dict[str, float] | None, members: set[str]) -> dict | None:
    """A copy of the fixed member weights, checked against the enabled members."""
    if blend is None:
        return None
    unknown = sorted(set(blend) - members)
    if unknown:
        raise ValueError(f"blend: no such member {unknown}; enabled: {sorted(members)}")
    if any(w < 0 for w in blend.values()) or sum(blend.values()) > 1.0:
        raise ValueError("blend: weights must be >= 0 and sum to at most 1")
    return dict(blend)


class SupervisedCoder:
    """Multi-label coder: per-code logistic regression over embeddings and TF-IDF n-grams.

    Constructing it configures it (nothing is fitted yet).

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
        threshold_shrinkage: Pull of each code's threshold towards the one global
            threshold, in pseudo-positives ``k``: ``(n t_code + k t_global) / (n + k)`` for
            a code with ``n`` positive units. ``None`` chooses ``k`` from
            ``SHRINKAGE_GRID`` by cross-evaluation (see :func:`choose_calibration`).
        finetune: Keyword arguments of a :class:`pipeline.coding.finetuned.FineTunedCoder` to
            train as a member (slow); ``None`` leaves it out.
        knn: Settings of a nearest-neighbour member over the embeddings, ``{"k": 25,
            "temperature": 10.0}`` (see :func:`knn_proba`); ``None`` leaves it out.
        blend: Fixed weights of the members (``{"finetuned": w, "knn": v}``; the linear
            models get the rest); ``None`` chooses them by cross-evaluation (see
            :func:`choose_calibration`).

    Raises:
        ValueError: On an empty or duplicated code list, ``n_splits < 2`` or a setting
            out of range.

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
        threshold_shrinkage: float | None = None,
        finetune: dict | None = None,
        knn: dict | None = None,
        blend: dict[str, float] | None = None,
    ) -> None:
        """Configure the coder (arguments: see the class docstring)."""
        self.codes = check_codes(codes)
        if n_splits < 2:
            raise ValueError("n_splits: must be at least 2")
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
        if threshold_shrinkage is not None and threshold_shrinkage < 0:
            raise ValueError("threshold_shrinkage: must be >= 0")
        self.threshold_shrinkage = threshold_shrinkage
        self.finetune = dict(finetune) if finetune is not None else None
        self.knn = {**KNN_DEFAULTS, **knn} if knn is not None else None
        members = {n for n, m in (("finetuned", finetune), ("knn", knn)) if m is not None}
        self.blend = _checked_blend(blend, members)
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
        return label_matrix(labels, self.codes)

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
        splits = self._splits(texts, groups)
        oof, extra = self._out_of_fold(texts, embeddings, labels, y, splits)
        self.n_positive_ = {c: int(y[:, j].sum()) for j, c in enumerate(self.codes)}
        halves = _halves(groups if groups is not None else list(range(len(texts))), self.seed)
        self._calibrate(y, oof, extra, halves)
        self._vecs, self._models = self._fit_models(texts, embeddings, y)
        self._finetuned = (
            self._fit_finetuned(texts, list(labels))
            if self.finetune is not None and self.blend_.get("finetuned", 0.0) > 0
            else None
        )
        self._train_emb, self._train_y = embeddings, y
        self._fitted = True
        return self

    def _splits(self, texts: list[str], groups: list[str] | None) -> list:
        """The cross-validation folds: grouped when ``groups`` is given, else seeded KFold."""
        n = len(texts)
        n_splits = min(self.n_splits, n)
        if groups is None:
            kf = KFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
            return list(kf.split(texts))
        if len(groups) != n:
            raise ValueError(f"groups: expected {n} rows, got {len(groups)}")
        n_splits = min(n_splits, len(set(groups)))
        # GroupKFold is deterministic but orders groups by size; shuffle group ids with
        # the seed first so ties between equal-sized groups do not depend on input order.
        uniq = sorted(set(groups))
        perm = np.random.default_rng(self.seed).permutation(len(uniq))
        rank = {g: int(perm[i]) for i, g in enumerate(uniq)}
        return list(GroupKFold(n_splits=n_splits).split(texts, groups=[rank[g] for g in groups]))

    def _out_of_fold(
        self,
        texts: list[str],
        embeddings: np.ndarray,
        labels: list[set[str]],
        y: np.ndarray,
        splits: list,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Out-of-fold probabilities of the linear models and of each enabled member."""
        oof = np.zeros(y.shape, dtype=np.float64)
        extra: dict[str, np.ndarray] = {}
        if self.finetune is not None:
            extra["finetuned"] = np.zeros(y.shape, dtype=np.float64)
        if self.knn is not None:
            extra["knn"] = np.zeros(y.shape, dtype=np.float64)
        for k, (train_idx, test_idx) in enumerate(splits):
            train_texts = [texts[i] for i in train_idx]
            test_texts = [texts[i] for i in test_idx]
            vecs, models = self._fit_models(train_texts, embeddings[train_idx], y[train_idx])
            oof[test_idx] = self._proba(vecs, models, test_texts, embeddings[test_idx])
            if "knn" in extra:
                extra["knn"][test_idx] = knn_proba(
                    embeddings[train_idx], y[train_idx], embeddings[test_idx], **self.knn
                )
            if "finetuned" in extra:
                log.info("fine-tuning fold %d/%d", k + 1, len(splits))
                member = self._fit_finetuned(train_texts, [labels[i] for i in train_idx])
                extra["finetuned"][test_idx] = member.predict_proba(test_texts)
        return oof, extra

    def _calibrate(
        self, y: np.ndarray, oof: np.ndarray, extra: dict[str, np.ndarray], halves: np.ndarray
    ) -> None:
        """Choose the member weights, the shrinkage and the per-code thresholds."""
        self.blend_, self.shrinkage_, self.calibration_ = choose_calibration(
            y,
            oof,
            extra,
            halves,
            candidates=None if self.blend is None else [self.blend],
            shrinkages=(
                SHRINKAGE_GRID if self.threshold_shrinkage is None else (self.threshold_shrinkage,)
            ),
        )
        self.oof_members_ = {"linear": oof, **extra}
        oof = mix(oof, extra, self.blend_)
        thresholds = shrunk_thresholds(y, oof, self.shrinkage_)
        self.thresholds_, self.cv_f1_ = {}, {}
        for j, code in enumerate(self.codes):
            if self.n_positive_[code] < 2:
                log.warning(
                    "code %r has %d positive training unit(s); threshold left at %.2f",
                    code,
                    self.n_positive_[code],
                    DEFAULT_THRESHOLD,
                )
                thresholds[j] = DEFAULT_THRESHOLD
            self.thresholds_[code] = float(thresholds[j])
            self.cv_f1_[code] = f1(oof[:, j] >= thresholds[j], y[:, j].astype(bool))
        self.oof_proba_ = oof

    def _fit_finetuned(self, texts: list[str], labels: list[set[str]]):
        from pipeline.coding.finetuned import FineTunedCoder

        return FineTunedCoder(self.codes, **{"seed": self.seed, **self.finetune}).fit(texts, labels)

    def predict_proba(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Per-code probabilities, shape ``(n, k)``, columns in :attr:`codes` order.

        Raises:
            RuntimeError: When the coder is not fitted.
        """
        members = self.predict_members(texts, embeddings)
        linear = members.pop("linear")
        return mix(linear, members, {k: w for k, w in self.blend_.items() if k in members})

    def predict_members(
        self, texts: list[str], embeddings: np.ndarray, all_members: bool = False
    ) -> dict[str, np.ndarray]:
        """Each member's probabilities, by name (``linear`` always).

        Members whose chosen weight is 0 are skipped unless ``all_members`` (the fine-tuned
        member is then still missing: it is only fitted on all units when it has weight).

        Raises:
            RuntimeError: When the coder is not fitted.
        """
        if not self._fitted:
            raise RuntimeError("SupervisedCoder: call fit() first")
        texts = list(texts)
        embeddings = self._check(texts, embeddings)
        if not texts:
            empty = np.zeros((0, len(self.codes)), dtype=np.float64)
            return {"linear": empty, **dict.fromkeys(self.blend_, empty)}
        out = {"linear": self._proba(self._vecs, self._models, texts, embeddings)}
        if self.knn is not None and (all_members or self.blend_.get("knn", 0.0) > 0):
            out["knn"] = knn_proba(self._train_emb, self._train_y, embeddings, **self.knn)
        if self._finetuned is not None:
            out["finetuned"] = self._finetuned.predict_proba(texts)
        return out

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


# --- the code stage's use: cross-fitted over interviews ----------------------------------------


def _turn_texts(texts: list[str], turn_of: np.ndarray, n_turns: int) -> list[str]:
    """Each turn's text: its segments' texts joined with spaces, in segment order."""
    parts: list[list[str]] = [[] for _ in range(n_turns)]
    for i, t in enumerate(turn_of):
        parts[int(t)].append(texts[i])
    return [" ".join(p) for p in parts]


def _stage_coder(codes: list[str], params: CodeParams, finetune_model: str | None):
    """The supervised coder the code stage trains on each fold."""
    finetune = (
        {"epochs": params.finetune_epochs, "model": finetune_model}
        if params.finetune_epochs
        else None
    )
    return SupervisedCoder(codes, seed=params.seed, fallback=False, finetune=finetune)


def cross_fit_supervised(
    texts: list[str],
    turn_of: np.ndarray,
    turn_vectors: np.ndarray,
    turn_interview: np.ndarray,
    gold: np.ndarray,
    codes: list[str],
    params: CodeParams,
    finetune_model: str | None = None,
    reviewed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Supervised turn decisions, each from a model trained on the other interviews' turns.

    Human codes are turn level, so the model learns and predicts turns (their segments'
    text joined, their pooled embedding). Only ``reviewed`` turns (default: all) train.
    """
    n_turns = len(turn_vectors)
    t_text = _turn_texts(texts, turn_of, n_turns)
    labels = [{codes[j] for j in np.flatnonzero(row)} for row in gold]
    decided = np.zeros((n_turns, len(codes)), dtype=bool)
    proba = np.zeros((n_turns, len(codes)), dtype=np.float32)
    col = {c: j for j, c in enumerate(codes)}
    for fold in interview_folds(turn_interview, params):
        test = np.isin(turn_interview, fold)
        train = ~test if reviewed is None else ~test & reviewed
        idx, tidx = np.flatnonzero(train), np.flatnonzero(test)
        if not len(idx) or not len(tidx):
            continue
        model = _stage_coder(codes, params, finetune_model).fit(
            [t_text[i] for i in idx],
            turn_vectors[idx],
            [labels[i] for i in idx],
            groups=[str(turn_interview[i]) for i in idx],
        )
        p = model.predict_proba([t_text[i] for i in tidx], turn_vectors[tidx])
        for ti, chosen, pr in zip(tidx, model.decide(p), p):
            for code in chosen:
                decided[ti, col[code]] = True
            proba[ti] = pr
    return decided, proba
