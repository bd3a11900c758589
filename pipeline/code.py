"""Code stage: apply the codebook to respondent turns, with scores, methods and evidence.

Coders (each a small class with ``name`` and ``score(...)``):

* :class:`KeywordCoder` — the codebook's ``keywords`` (spaCy ``PhraseMatcher`` on lemmas, so
  "shared practices" matches "share practice") and ``patterns`` (spaCy ``Matcher``);
* :class:`SemanticCoder` — cosine similarity between an embedding and each code's centroid
  of material (definition, include criteria, examples), with ``exclude`` criteria respected;
* :class:`pipeline.supervised.SupervisedCoder` — when human codes are given for training.

The combination rule (ADR 0008): the unit of decision is the respondent turn (human coders
code turns, and an evaluator asks "did this interviewee raise X"). A turn's score for a code
is the per-code z-score of its pooled embedding's similarity to the code, plus
``keyword_weight * log(1 + keyword hits)``, centred on the turn's mean over codes. The turn
gets the code when the score reaches the code's threshold and is within ``relative`` of the
turn's best code; the supervised coder (when enabled) adds the codes it predicts. Each coded
turn's code is then placed on its segments: the best-scoring one, those with a keyword hit,
and those whose own score reaches ``segment_threshold``. With human codes, thresholds are
chosen per code on the *other* interviews (cross-fitting), so no turn is scored with a
threshold tuned on itself.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from pipeline.codebook import Codebook, load_codebook
from pipeline.errors import QualevalError
from pipeline.io import atomic_outputs, write_json
from pipeline.params import CodeParams, load_params
from pipeline.thresholds import best_on_grid, f1_curve

log = logging.getLogger(__name__)

SEGMENT_CODE_COLUMNS = (
    "interview_id",
    "turn_index",
    "segment_id",
    "start",
    "end",
    "code_id",
    "score",
    "method",
    "evidence",
)
TURN_CODE_COLUMNS = (
    "interview_id",
    "turn_index",
    "code_id",
    "score",
    "n_segments",
    "methods",
    "evidence",
)


def _import_spacy_without_torch() -> None:
    """Import spaCy without letting thinc import torch (seconds of start-up we do not use).

    thinc imports torch when it can, for its PyTorch layers; the keyword coder needs only the
    tokenizer and the lookup lemmatizer. While spaCy is first imported, ``torch`` is marked
    as missing (``sys.modules["torch"] = None``, Python's documented way to block an import),
    then unmarked, so torch can still be imported later (e.g. to embed a codebook text whose
    vector is not cached). Does nothing when torch or spaCy is already imported.

    Called only by :func:`main`, the code stage's own process: in a longer-lived process (a
    notebook, ``qualeval run``) another spaCy pipeline may need thinc's torch support.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


@functools.lru_cache(maxsize=1)
def _lemma_nlp() -> Any:
    """A blank English pipeline with spaCy's lookup lemmatizer (spacy-lookups-data)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    try:
        nlp.initialize()
    except (ValueError, OSError):
        raise QualevalError(
            "code: spaCy's English lemma tables are missing; run `make setup` "
            "(installs spacy-lookups-data)"
        ) from None
    return nlp


def _lower(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else text


class KeywordCoder:
    """Keywords (on lemmas) and token patterns from the codebook."""

    name = "keyword"

    def __init__(self, book: Codebook) -> None:
        """Build a PhraseMatcher (LEMMA) and a Matcher over the leaf codes' material."""
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = _lemma_nlp()
        self.codes = [c.id for c in book.leaves()]
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self.matcher = Matcher(self.nlp.vocab)
        for code in book.leaves():
            if code.keywords:
                docs = list(self.nlp.pipe(_lower(k) for k in code.keywords))
                self.phrases.add(code.id, docs)
            if code.patterns:
                self.matcher.add(code.id, code.patterns)

    def score(
        self, texts: Sequence[str], batch_size: int = 256
    ) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
        """1.0 where a keyword or pattern of the code matches the segment, with the match."""
        index = {c: j for j, c in enumerate(self.codes)}
        scores = np.zeros((len(texts), len(self.codes)), dtype=np.float32)
        evidence: dict[tuple[int, int], str] = {}
        for i, doc in enumerate(self.nlp.pipe((_lower(t) for t in texts), batch_size=batch_size)):
            matches = list(self.phrases(doc))
            if len(self.matcher):
                matches += self.matcher(doc)
            for match_id, start, end in matches:
                j = index[self.nlp.vocab.strings[match_id]]
                scores[i, j] = 1.0
                evidence.setdefault((i, j), f"keyword: {doc[start:end].text}")
        return scores, evidence


def cached_encoder(table: pd.DataFrame | None, fallback: Any) -> Any:
    """An ``encode(texts)`` that reads vectors from the codebook-vectors table.

    Texts missing from ``table`` (a codebook edited since the ``embed_codebook`` stage ran)
    are encoded with ``fallback`` — the sentence-transformers model, loaded only then.
    """
    known: dict[str, np.ndarray] = {}
    if table is not None:
        for text, vec in zip(table["text"], table["vector"]):
            known[str(text)] = np.asarray(vec, dtype=np.float32)

    def encode(texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            log.info("encoding %d codebook texts not in the codebook vectors", len(missing))
            for t, v in zip(missing, np.asarray(fallback(missing), dtype=np.float32)):
                known[t] = v
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    return encode


@dataclass
class _Prototypes:
    vectors: np.ndarray  # (m, d)
    owner: np.ndarray  # (m,) code column of each vector
    labels: list[str]  # what each vector is ("definition", "example: ...")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class SemanticCoder:
    """Cosine similarity of embeddings to each code's centroid of codebook material.

    Each leaf code contributes prototype texts — its label with its definition, each include
    criterion and each example — and the code is represented by their normalised mean (its
    centroid): a single short example is a noisy target, their mean is a stable one. A text's
    score for the code is its cosine similarity to the centroid. Exclusion criteria are
    embedded too: when a text is closer to one of a code's exclusions than to the code, the
    score drops by the difference (so "not this, see the other code" is respected). The
    evidence for a (text, code) pair is the code's single nearest piece of material.
    """

    name = "semantic"

    def __init__(self, book: Codebook, encode: Any) -> None:
        """Embed the codebook's material (:meth:`Codebook.material_items`) with ``encode``."""
        self.codes = [c.id for c in book.leaves()]
        col = {c: j for j, c in enumerate(self.codes)}
        items = book.material_items()
        vectors = np.asarray(encode([it[2] for it in items]), dtype=np.float32)
        kinds = np.array([it[1] for it in items])
        owners = np.array([col.get(it[0] or "", -1) for it in items])
        proto = np.isin(kinds, ["definition", "include", "example"])
        self.proto = _Prototypes(
            vectors[proto],
            owners[proto],
            [
                kind if kind == "definition" else f"{kind}: {_short(text)}"
                for (_, kind, text), keep in zip(items, proto)
                if keep
            ],
        )
        self.centroids = _normalise(
            np.stack([self.proto.vectors[self.proto.owner == j].mean(axis=0) for j in col.values()])
        )
        excl = kinds == "exclude"
        self.excl = (vectors[excl], owners[excl]) if excl.any() else None
        unc = kinds == "uncoded"
        self.uncoded = _normalise(vectors[unc].mean(axis=0)[None]) if unc.any() else None

    def score(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity of each row (a segment or a pooled turn) to each code, shape (n, k)."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        scores = embeddings @ self.centroids.T
        if self.excl is not None:
            ex_sims = embeddings @ self.excl[0].T
            for j in range(len(self.codes)):
                cols = np.flatnonzero(self.excl[1] == j)
                if len(cols):
                    worst = ex_sims[:, cols].max(axis=1)
                    scores[:, j] -= np.clip(worst - scores[:, j], 0, None)
        return scores

    def score_uncoded(self, embeddings: np.ndarray) -> np.ndarray | None:
        """Similarity of each row to the codebook's ``uncoded`` material (None without it)."""
        if self.uncoded is None:
            return None
        return (np.asarray(embeddings, dtype=np.float32) @ self.uncoded.T)[:, 0]

    def nearest(self, vector: np.ndarray, j: int) -> str:
        """The piece of code ``j``'s material nearest to ``vector`` (for evidence)."""
        cols = np.flatnonzero(self.proto.owner == j)
        best = cols[int(np.argmax(self.proto.vectors[cols] @ vector))]
        return f"nearest {self.proto.labels[best]}"


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.clip(norms, 1e-12, None)).astype(np.float32)


# --- turns, decisions and calibration ---------------------------------------------------------


def pool_turns(embeddings: np.ndarray, turn_of: np.ndarray, n_turns: int) -> np.ndarray:
    """One vector per turn: the normalised sum of its segments' embeddings."""
    dim = embeddings.shape[1] if np.ndim(embeddings) == 2 else 0
    out = np.zeros((n_turns, dim), dtype=np.float32)
    np.add.at(out, turn_of, np.asarray(embeddings, dtype=np.float32))
    return _normalise(out)


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per-code z-scores over the rows (no labels used).

    Raw cosine similarities are not comparable across codes (a broad definition is close to
    everything); z-scores put every code on one scale.
    """
    std = scores.std(axis=0)
    std[std == 0] = 1.0
    return ((scores - scores.mean(axis=0)) / std).astype(np.float32)


def turn_scores(
    semantic: np.ndarray | None, keyword_hits: np.ndarray, params: CodeParams
) -> np.ndarray:
    """The turn-level decision score of every (turn, code).

    ``z(semantic) + keyword_weight * log(1 + keyword hits)``, then (with ``centre``) minus the
    turn's mean over codes, so that a turn that is close to everything (a long, on-topic
    answer) does not get every code. Without a semantic coder the score is the keyword term.
    """
    kw = params.keyword_weight * np.log1p(keyword_hits).astype(np.float32)
    if semantic is None:
        return kw
    sem = standardise(semantic) if params.standardise else semantic.astype(np.float32)
    out = sem + kw
    if params.centre and out.shape[1] > 1:
        out = out - out.mean(axis=1, keepdims=True)
    return out.astype(np.float32)


def _turn_matrix_scores(
    semantic: SemanticCoder | None,
    turn_vectors: np.ndarray,
    kw_turn: np.ndarray,
    params: CodeParams,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Turn scores of the codes and, when the codebook has ``uncoded`` material, of it.

    The uncoded competitor is scored like a code with no keywords (same standardising and
    centring), so the two are on one scale.
    """
    if semantic is None or not len(turn_vectors):
        return turn_scores(None, kw_turn, params), None
    sem = semantic.score(turn_vectors)
    unc = semantic.score_uncoded(turn_vectors)
    if unc is None:
        return turn_scores(sem, kw_turn, params), None
    ext = turn_scores(
        np.hstack([sem, unc[:, None]]),
        np.hstack([kw_turn, np.zeros((len(kw_turn), 1), dtype=kw_turn.dtype)]),
        params,
    )
    return ext[:, :-1], ext[:, -1]


def competition(
    scores: np.ndarray, relative: float | None, floor: np.ndarray | None = None
) -> np.ndarray:
    """Where a code competes for its turn.

    A code competes when it scores within ``relative`` of the turn's best code, or of the
    turn's ``floor`` (the uncoded competitor's score plus its bias) when that is higher. All
    True when ``relative`` is None.
    """
    if relative is None:
        return np.ones(scores.shape, dtype=bool)
    best = scores.max(axis=1) if scores.shape[1] else np.zeros(len(scores), dtype=np.float32)
    if floor is not None:
        best = np.maximum(best, floor)
    return scores >= best[:, None] - relative


def decide(
    scores: np.ndarray,
    thresholds: np.ndarray,
    relative: float | None = None,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean (turn, code) matrix: the score reaches the code's threshold and competes.

    With ``relative``, a code must also score within ``relative`` of the turn's best code
    (codes compete for a turn, which usually expresses one or two ideas) and of ``floor``.
    """
    return (scores >= thresholds) & competition(scores, relative, floor)


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = np.logical_and(pred, gold).sum()
    denom = pred.sum() + gold.sum()
    return 0.0 if tp == 0 else float(2 * tp / denom)


def _grid(params: CodeParams) -> np.ndarray:
    return np.round(np.arange(params.grid_min, params.grid_max + 1e-9, params.grid_step), 4)


def fit_thresholds(
    scores: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Per-code thresholds maximising turn-level F1 on the given turns, and that micro-F1.

    A global threshold is chosen first (micro-F1 over all codes); a code keeps its own
    threshold only with at least ``params.min_positives`` positive turns, otherwise the
    global one (few examples make a per-code choice noise).
    """
    grid = _grid(params)
    k = scores.shape[1]
    if not len(grid) or not len(scores):
        return np.full(k, params.default_threshold, dtype=np.float32), 0.0
    masked = np.where(competition(scores, params.relative, floor), scores, -np.inf)
    best_global = best_on_grid(grid, f1_curve(masked, gold, grid))
    thresholds = np.full(k, best_global, dtype=np.float32)
    for j in range(k):
        if gold[:, j].sum() >= params.min_positives:
            thresholds[j] = best_on_grid(grid, f1_curve(masked[:, j], gold[:, j], grid))
    return thresholds, _f1(masked >= thresholds, gold)


def _cross_fit(
    scores: np.ndarray,
    interviews: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
    uncoded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-turn thresholds and floors, each learned on the other interviews' turns only.

    With an ``uncoded`` competitor score, each fold also chooses the competitor's bias from
    ``params.uncoded_bias_grid`` on its training interviews (the bias whose fitted thresholds
    give the best micro-F1 there), so no calibration choice sees the turns it codes.
    """
    unique = np.array(sorted(set(interviews)))
    order = unique[np.random.default_rng(params.seed).permutation(len(unique))]
    thresholds = np.zeros_like(scores)
    floors = np.full(len(scores), -np.inf, dtype=np.float32)
    biases = params.uncoded_bias_grid if uncoded is not None else [0.0]
    for fold in np.array_split(order, min(params.folds, len(unique))):
        test = np.isin(interviews, fold)
        best: tuple[float, float, np.ndarray] | None = None
        for bias in biases:
            floor = None if uncoded is None else uncoded[~test] + bias
            thr, f1 = fit_thresholds(scores[~test], gold[~test], params, floor)
            if best is None or f1 > best[0] + 1e-9:
                best = (f1, bias, thr)
        assert best is not None
        thresholds[test] = best[2]
        if uncoded is not None:
            floors[test] = uncoded[test] + best[1]
    return thresholds, floors


@dataclass
class CodingResult:
    """What the code stage produces."""

    segment_codes: pd.DataFrame
    turn_codes: pd.DataFrame
    thresholds: pd.DataFrame
    stats: dict[str, Any]


def _gold_matrix(human: pd.DataFrame, turn_ids: dict, codes: list[str]) -> np.ndarray:
    gold = np.zeros((len(turn_ids), len(codes)), dtype=bool)
    col = {c: j for j, c in enumerate(codes)}
    for iv, ti, code in zip(human["interview_id"], human["turn_index"], human["code_id"]):
        t = turn_ids.get((str(iv), int(ti)))
        if t is not None and code in col:
            gold[t, col[code]] = True
    return gold


def code_segments(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    book: Codebook,
    params: CodeParams,
    encode: Any,
    human: pd.DataFrame | None = None,
    finetune_model: str | None = None,
) -> CodingResult:
    """Code every respondent turn and place each code on its segments.

    Pure apart from ``encode``, the embedding function for the codebook's texts.

    Args:
        segments: the embed stage's segments table.
        embeddings: one row per segment.
        book: the validated codebook.
        params: the ``code`` block of params.
        encode: ``texts -> L2-normalised array`` (the embed stage's encoder).
        human: optional human codes (``interview_id, turn_index, code_id``) used to
            calibrate thresholds by cross-fitting and to train the supervised coder.
        finetune_model: the encoder folder the supervised coder fine-tunes when
            ``params.finetune_epochs`` is set (``None``: the packaged all-MiniLM-L6-v2).
    """
    started = time.perf_counter()
    if len(segments) != len(embeddings):
        raise QualevalError(
            f"code: {len(segments)} segments but {len(embeddings)} embeddings; re-run the "
            "embed stage (dvc repro embed)"
        )
    codes = [c.id for c in book.leaves()]
    k = len(codes)
    texts = segments["text"].astype(str).tolist()
    turn_keys = list(zip(segments["interview_id"].astype(str), segments["turn_index"].astype(int)))
    turn_ids = {t: i for i, t in enumerate(dict.fromkeys(turn_keys))}
    turn_of = np.array([turn_ids[t] for t in turn_keys], dtype=np.int64)
    n_turns = len(turn_ids)
    turn_interview = np.array([t[0] for t in turn_ids], dtype=object)

    if "keyword" in params.coders:
        keyword, kw_evidence = KeywordCoder(book).score(texts)
    else:
        keyword, kw_evidence = np.zeros((len(texts), k), dtype=np.float32), {}
    kw_turn = np.zeros((n_turns, k), dtype=np.float32)
    np.add.at(kw_turn, turn_of, keyword)

    semantic = SemanticCoder(book, encode) if "semantic" in params.coders else None
    if semantic is not None and len(segments):
        dims = (np.shape(embeddings)[-1], semantic.centroids.shape[1])
        if np.ndim(embeddings) != 2 or dims[0] != dims[1]:
            raise QualevalError(
                f"code: the segment embeddings have {dims[0]} dimensions but the codebook's "
                f"vectors {dims[1]}: they come from different models; re-run the embed and "
                "embed_codebook stages with the same embed.model (dvc repro)"
            )
    turn_vectors = pool_turns(embeddings, turn_of, n_turns)
    scores, uncoded = _turn_matrix_scores(semantic, turn_vectors, kw_turn, params)
    sem_only, _ = _turn_matrix_scores(semantic, turn_vectors, np.zeros_like(kw_turn), params)

    thresholds = np.full((n_turns, k), params.default_threshold, dtype=np.float32)
    floors = None if uncoded is None else uncoded + params.uncoded_bias
    calibration = "default"
    gold = None
    if human is not None and n_turns:
        gold = _gold_matrix(human, turn_ids, codes)
        if semantic is not None:
            thresholds, cf_floors = _cross_fit(scores, turn_interview, gold, params, uncoded)
            floors = None if uncoded is None else cf_floors
            calibration = f"cross-fitted over interviews ({params.folds} folds)"
    if semantic is not None:
        decided = decide(scores, thresholds, params.relative, floors)
    else:  # keyword coder alone: a hit codes the turn
        decided = kw_turn > 0
    by_rule = decided.copy()
    sup = np.zeros((n_turns, k), dtype=bool)
    sup_proba = np.zeros((n_turns, k), dtype=np.float32)
    if "supervised" in params.coders:
        if human is None:
            raise QualevalError(
                "params.yaml: code.coders: 'supervised' needs human codes for training; set "
                "data.human_codes (e.g. a filled-in review sheet) or remove 'supervised'"
            )
        sup, sup_proba = _cross_fit_supervised(
            texts, turn_of, turn_vectors, turn_interview, gold, codes, params, finetune_model
        )
        if params.combine == "supervised":
            # codes with enough human examples follow the supervised coder; the others keep
            # the codebook rule's decisions
            trained = gold.sum(axis=0) >= params.min_positives
            decided = np.where(trained[None, :], sup, decided)
        else:
            decided = decided | sup
        member = " with a fine-tuned encoder" if params.finetune_epochs else ""
        calibration += f"; supervised coder{member} cross-fitted over interviews ({params.combine})"

    seg_scores = (
        standardise(semantic.score(embeddings))
        if semantic is not None and len(segments)
        else keyword.copy()
    )
    rows = []
    segs_of: dict[int, np.ndarray] = {}
    for i, t in enumerate(turn_of):
        segs_of.setdefault(int(t), []).append(i)  # type: ignore[union-attr]
    seg_cols = segments[["interview_id", "turn_index", "segment_id", "start", "end"]].to_numpy()
    for t, j in zip(*np.nonzero(decided)):
        members = np.array(segs_of[int(t)])
        local = seg_scores[members, j] + keyword[members, j]
        chosen = {int(members[int(np.argmax(local))])}
        chosen |= {int(i) for i in members if keyword[i, j] > 0}
        chosen |= {int(i) for i in members if seg_scores[i, j] >= params.segment_threshold}
        kinds = []
        if by_rule[t, j]:
            if kw_turn[t, j] > 0:
                kinds.append("keyword")
            if semantic is not None and sem_only[t, j] >= thresholds[t, j]:
                kinds.append("semantic")
            kinds = kinds or ["keyword"]
        if sup[t, j]:
            kinds.append("supervised")
        method = "+".join(kinds)
        for i in sorted(chosen):
            if (i, j) in kw_evidence:
                evidence = kw_evidence[(i, j)]
            elif kinds == ["supervised"]:
                evidence = f"supervised p={sup_proba[t, j]:.2f}"
            elif semantic is not None:
                evidence = semantic.nearest(np.asarray(embeddings[i], dtype=np.float32), j)
            else:
                evidence = ""
            iv, ti, sid, start, end = seg_cols[i]
            rows.append(
                (
                    str(iv),
                    int(ti),
                    str(sid),
                    int(start),
                    int(end),
                    codes[j],
                    round(float(seg_scores[i, j]), 4),
                    method,
                    evidence,
                )
            )
    seg_codes = pd.DataFrame(rows, columns=list(SEGMENT_CODE_COLUMNS))
    seg_codes = seg_codes.sort_values(["interview_id", "turn_index", "segment_id", "code_id"])
    seg_codes = seg_codes.reset_index(drop=True)
    keys = list(turn_ids)
    turn_score = {
        (keys[t][0], keys[t][1], codes[j]): round(float(scores[t, j]), 4)
        for t, j in zip(*np.nonzero(decided))
    }
    turn_codes = rollup(seg_codes, turn_score)
    thr = pd.DataFrame(
        {
            "code_id": codes,
            "threshold_mean": thresholds.mean(axis=0).round(4) if n_turns else np.nan,
            "threshold_min": thresholds.min(axis=0).round(4) if n_turns else np.nan,
            "threshold_max": thresholds.max(axis=0).round(4) if n_turns else np.nan,
        }
    )
    stats = {
        "segments": len(segments),
        "turns": n_turns,
        "codes": k,
        "coders": list(params.coders),
        "coded_segments": int(seg_codes["segment_id"].nunique()),
        "coded_turns": int(decided.any(axis=1).sum()),
        "segment_codes": len(seg_codes),
        "turn_codes": len(turn_codes),
        "by_method": dict(sorted(seg_codes["method"].value_counts().items())),
        "calibration": calibration,
        "seconds": round(time.perf_counter() - started, 3),
    }
    stats["segments_per_second"] = round(len(segments) / max(stats["seconds"], 1e-9), 1)
    return CodingResult(seg_codes, turn_codes, thr, stats)


def _cross_fit_supervised(
    texts: list[str],
    turn_of: np.ndarray,
    turn_vectors: np.ndarray,
    turn_interview: np.ndarray,
    gold: np.ndarray,
    codes: list[str],
    params: CodeParams,
    finetune_model: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Supervised turn decisions, each from a model trained on the other interviews' turns.

    Human codes are turn level, so the model learns and predicts turns (their segments'
    text joined, their pooled embedding).
    """
    from pipeline.supervised import SupervisedCoder

    n_turns = len(turn_vectors)
    parts: list[list[str]] = [[] for _ in range(n_turns)]
    for i, t in enumerate(turn_of):
        parts[int(t)].append(texts[i])
    t_text = [" ".join(p) for p in parts]
    labels = [{codes[j] for j in np.flatnonzero(row)} for row in gold]
    unique = np.array(sorted(set(turn_interview)))
    order = unique[np.random.default_rng(params.seed).permutation(len(unique))]
    decided = np.zeros((n_turns, len(codes)), dtype=bool)
    proba = np.zeros((n_turns, len(codes)), dtype=np.float32)
    col = {c: j for j, c in enumerate(codes)}
    for fold in np.array_split(order, min(params.folds, len(unique))):
        test = np.isin(turn_interview, fold)
        idx, tidx = np.flatnonzero(~test), np.flatnonzero(test)
        if not len(idx) or not len(tidx):
            continue
        model = SupervisedCoder(
            codes,
            seed=params.seed,
            fallback=False,
            finetune=(
                {"epochs": params.finetune_epochs, "model": finetune_model}
                if params.finetune_epochs
                else None
            ),
        ).fit(
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


def rollup(
    seg_codes: pd.DataFrame, turn_scores: dict[tuple[str, int, str], float] | None = None
) -> pd.DataFrame:
    """Per (turn, code): score, number of segments, methods and the best segment's evidence.

    ``score`` is the turn's decision score from ``turn_scores`` where given (keyed by
    ``(interview_id, turn_index, code_id)``), else the best segment's score.
    """
    if seg_codes.empty:
        return pd.DataFrame(columns=list(TURN_CODE_COLUMNS))
    best = seg_codes.sort_values("score", ascending=False, kind="mergesort").drop_duplicates(
        ["interview_id", "turn_index", "code_id"]
    )
    agg = seg_codes.groupby(["interview_id", "turn_index", "code_id"], sort=True).agg(
        n_segments=("segment_id", "nunique"),
        methods=("method", lambda s: "|".join(sorted(set(s)))),
    )
    out = agg.join(
        best.set_index(["interview_id", "turn_index", "code_id"])[["score", "evidence"]]
    ).reset_index()
    if turn_scores is not None:
        keys = zip(out["interview_id"], out["turn_index"], out["code_id"])
        out["score"] = [turn_scores.get(key, s) for key, s in zip(keys, out["score"])]
    out["n_segments"] = out["n_segments"].astype("int32")
    return out[list(TURN_CODE_COLUMNS)]


def read_codes_for_calibration(path: Path) -> pd.DataFrame:
    """Human codes (see :func:`pipeline.compare.read_human_codes`) as one row per code."""
    from pipeline.compare import read_human_codes

    coding, _ = read_human_codes(path)
    return coding


def run_stage(
    params_path: Path | None,
    segments_path: Path,
    embeddings_path: Path,
    codebook_path: Path,
    *,
    human_path: Path | None,
    segment_codes_path: Path,
    turn_codes_path: Path,
    thresholds_path: Path,
    metrics_path: Path,
    codebook_vectors_path: Path | None = None,
) -> CodingResult:
    """Read inputs, code the segments, write every output (all or nothing).

    With ``codebook_vectors_path`` (the ``embed_codebook`` stage's table) the codebook's
    material is not re-embedded, so the sentence-transformers model is not loaded.
    """
    started = time.perf_counter()
    params = load_params(params_path)
    book = load_codebook(codebook_path)
    for p in (segments_path, embeddings_path):
        if not Path(p).is_file():
            raise QualevalError(f"{p}: not found; run the embed stage first")
    segments = pd.read_parquet(segments_path)
    embeddings = np.load(embeddings_path, allow_pickle=False)
    human = read_codes_for_calibration(human_path) if human_path else None
    table = None
    if codebook_vectors_path is not None:
        if not Path(codebook_vectors_path).is_file():
            raise QualevalError(
                f"{codebook_vectors_path}: not found; run the embed_codebook stage first "
                "(dvc repro embed_codebook)"
            )
        table = pd.read_parquet(codebook_vectors_path, columns=["text", "vector"])

    def fallback(texts: Sequence[str]) -> np.ndarray:
        from pipeline.encoder import encode

        return encode(list(texts), params.embed.model, params.embed.batch_size)

    result = code_segments(
        segments,
        embeddings,
        book,
        params.code,
        cached_encoder(table, fallback),
        human,
        finetune_model=params.embed.model,
    )
    result.stats["stage_seconds"] = round(time.perf_counter() - started, 3)
    result.stats["stage_segments_per_second"] = round(
        len(segments) / max(result.stats["stage_seconds"], 1e-9), 1
    )
    with atomic_outputs(segment_codes_path, turn_codes_path, thresholds_path, metrics_path) as t:
        result.segment_codes.to_parquet(t[0], index=False)
        result.turn_codes.to_parquet(t[1], index=False)
        result.thresholds.to_csv(t[2], index=False, lineterminator="\n")
        write_json(t[3], result.stats)
    log.info(
        "coded %d segments: %d segment codes, %d turn codes (%s) in %.1f s",
        result.stats["segments"],
        result.stats["segment_codes"],
        result.stats["turn_codes"],
        result.stats["calibration"],
        result.stats["seconds"],
    )
    return result


def main(
    segments: Path = typer.Option(..., help="segments (parquet) from the embed stage"),
    embeddings: Path = typer.Option(..., help="segment embeddings (.npy)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    human: Path = typer.Option(None, help="human codes to calibrate thresholds (optional)"),
    codebook_vectors: Path = typer.Option(
        None, help="codebook material vectors (parquet) from the embed_codebook stage"
    ),
    segment_codes: Path = typer.Option(..., help="one row per (segment, code) (parquet)"),
    turn_codes: Path = typer.Option(..., help="per-turn roll-up (parquet)"),
    thresholds: Path = typer.Option(..., help="thresholds used per code (CSV)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Apply the codebook to the segments."""
    from pipeline.io import optional_path

    _import_spacy_without_torch()

    run_stage(
        params,
        segments,
        embeddings,
        codebook,
        human_path=optional_path(human),
        codebook_vectors_path=codebook_vectors,
        segment_codes_path=segment_codes,
        turn_codes_path=turn_codes,
        thresholds_path=thresholds,
        metrics_path=metrics,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
