"""Code stage: apply the codebook to respondent segments, with scores, methods and evidence.

Coders (each a small class with ``name`` and ``score(segments, embeddings)``):

* :class:`KeywordCoder` — the codebook's ``keywords`` (spaCy ``PhraseMatcher`` on lemmas, so
  "shared practices" matches "share practice") and ``patterns`` (spaCy ``Matcher``);
* :class:`SemanticCoder` — cosine similarity between a segment's embedding and each code's
  material (definition, include criteria, examples), with ``exclude`` criteria respected;
* :class:`pipeline.supervised.SupervisedCoder` — when human codes are given for training.

The combination rule (ADR 0008): a segment gets a code when its semantic score reaches the
code's threshold, or a keyword matches and the semantic score reaches the threshold minus
``code.keyword_margin``, or the supervised coder's probability reaches its threshold. With
human codes available, thresholds are chosen by cross-validation over interviews and each
interview is coded with thresholds learned from the *other* interviews (cross-fitting), so
no turn is scored with a threshold tuned on itself.
"""

from __future__ import annotations

import functools
import logging
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


@dataclass
class _Prototypes:
    vectors: np.ndarray  # (m, d)
    owner: np.ndarray  # (m,) code column of each vector
    labels: list[str]  # what each vector is ("definition", "example: ...")


class SemanticCoder:
    """Cosine similarity of segment embeddings to each code's material.

    Each leaf code contributes several prototype texts — its label with its definition, each
    include criterion and each example — and a segment's score for the code is its best
    similarity to any of them. Exclusion criteria are embedded too: when a segment is closer
    to a code's exclusion than to the code itself, the code's score is lowered by the
    difference (so "not this, see the other code" is respected).
    """

    name = "semantic"

    def __init__(self, book: Codebook, encode: Any) -> None:
        """Embed every code's prototypes and exclusions with ``encode(texts) -> array``."""
        self.codes = [c.id for c in book.leaves()]
        texts, owners, labels = [], [], []
        ex_texts, ex_owners = [], []
        for j, code in enumerate(book.leaves()):
            items = [("definition", f"{code.label}: {code.definition}")]
            items += [(f"include: {t}", t) for t in code.include]
            items += [(f"example: {t}", t) for t in code.examples]
            for label, text in items:
                texts.append(text)
                owners.append(j)
                labels.append(label)
            for t in code.exclude:
                ex_texts.append(t)
                ex_owners.append(j)
        self.proto = _Prototypes(encode(texts), np.array(owners), labels)
        self.excl = (encode(ex_texts), np.array(ex_owners)) if ex_texts else None

    def score(self, embeddings: np.ndarray) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
        """Best similarity per (segment, code), and the nearest prototype as evidence."""
        n, k = len(embeddings), len(self.codes)
        sims = embeddings @ self.proto.vectors.T  # (n, m)
        scores = np.full((n, k), -1.0, dtype=np.float32)
        nearest = np.zeros((n, k), dtype=np.int64)
        for j in range(k):
            cols = np.flatnonzero(self.proto.owner == j)
            block = sims[:, cols]
            best = block.argmax(axis=1)
            scores[:, j] = block[np.arange(n), best]
            nearest[:, j] = cols[best]
        if self.excl is not None:
            ex_sims = embeddings @ self.excl[0].T
            for j in range(k):
                cols = np.flatnonzero(self.excl[1] == j)
                if len(cols):
                    worst = ex_sims[:, cols].max(axis=1)
                    scores[:, j] -= np.clip(worst - scores[:, j], 0, None)
        evidence = {}
        for i, j in zip(*np.nonzero(scores > 0.2)):
            evidence[(int(i), int(j))] = f"nearest {self.proto.labels[nearest[i, j]]}"
        return scores, evidence


# --- decisions and calibration --------------------------------------------------------------


def decide(
    semantic: np.ndarray,
    keyword: np.ndarray,
    thresholds: np.ndarray,
    margin: float,
    relative: float | None = None,
) -> np.ndarray:
    """Boolean (segment, code) matrix: semantic >= t, or keyword hit and semantic >= t - margin.

    With ``relative``, a code must also score within ``relative`` of the segment's best code
    (codes compete for a segment, which usually expresses one idea).
    """
    out = (semantic >= thresholds) | ((keyword > 0) & (semantic >= thresholds - margin))
    if relative is not None and semantic.shape[1] > 1:
        out &= semantic >= semantic.max(axis=1, keepdims=True) - relative
    return out


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per-code z-scores over the corpus's segments (no labels used).

    Raw cosine similarities are not comparable across codes (a broad definition is close to
    everything); z-scores put every code on one scale.
    """
    std = scores.std(axis=0)
    std[std == 0] = 1.0
    return ((scores - scores.mean(axis=0)) / std).astype(np.float32)


def _turn_matrix(decided: np.ndarray, turn_of: np.ndarray, n_turns: int) -> np.ndarray:
    out = np.zeros((n_turns, decided.shape[1]), dtype=bool)
    np.logical_or.at(out, turn_of, decided)
    return out


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = np.logical_and(pred, gold).sum()
    fp = np.logical_and(pred, ~gold).sum()
    fn = np.logical_and(~pred, gold).sum()
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def fit_thresholds(
    semantic: np.ndarray,
    keyword: np.ndarray,
    turn_of: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
) -> np.ndarray:
    """Per-code thresholds maximising turn-level F1 on the given turns.

    A global threshold is chosen first (micro-F1 over all codes); a code keeps its own
    threshold only with at least ``params.min_positives`` positive turns, otherwise the
    global one (few examples make a per-code choice noise).
    """
    grid = np.round(np.arange(params.grid_min, params.grid_max + 1e-9, params.grid_step), 4)
    n_turns, k = gold.shape
    best_global, best_f = params.default_threshold, -1.0
    for t in grid:
        pred = _turn_matrix(
            decide(semantic, keyword, np.full(k, t), params.keyword_margin), turn_of, n_turns
        )
        f = _f1(pred, gold)
        if f > best_f:
            best_global, best_f = float(t), f
    thresholds = np.full(k, best_global, dtype=np.float32)
    for j in range(k):
        if gold[:, j].sum() < params.min_positives:
            continue
        best_t, best_fj = best_global, -1.0
        for t in grid:
            th = np.full(k, best_global, dtype=np.float32)
            th[j] = t
            dec = decide(semantic, keyword, th, params.keyword_margin, params.relative)[:, [j]]
            fj = _f1(_turn_matrix(dec, turn_of, n_turns)[:, 0], gold[:, j])
            if fj > best_fj + 1e-9:
                best_t, best_fj = float(t), fj
        thresholds[j] = best_t
    return thresholds


@dataclass
class CodingResult:
    """What the code stage produces."""

    segment_codes: pd.DataFrame
    turn_codes: pd.DataFrame
    thresholds: pd.DataFrame
    stats: dict[str, Any]


def code_segments(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    book: Codebook,
    params: CodeParams,
    encode: Any,
    human: pd.DataFrame | None = None,
) -> CodingResult:
    """Code every segment (pure apart from ``encode``, the embedding function for code texts).

    Args:
        segments: the embed stage's segments table.
        embeddings: one row per segment.
        book: the validated codebook.
        params: the ``code`` block of params.
        encode: ``texts -> L2-normalised array`` (the embed stage's encoder).
        human: optional human codes (``interview_id, turn_index, code_id`` plus the coded
            turns in ``universe``) used to calibrate thresholds by cross-fitting.
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
    keyword, kw_evidence = (
        KeywordCoder(book).score(texts)
        if "keyword" in params.coders
        else (
            np.zeros((len(texts), k), dtype=np.float32),
            {},
        )
    )
    raw_semantic, sem_evidence = SemanticCoder(book, encode).score(embeddings)
    semantic = standardise(raw_semantic) if params.standardise else raw_semantic
    turn_keys = list(zip(segments["interview_id"].astype(str), segments["turn_index"].astype(int)))
    turn_ids = {t: i for i, t in enumerate(dict.fromkeys(turn_keys))}
    turn_of = np.array([turn_ids[t] for t in turn_keys], dtype=np.int64)
    interviews = segments["interview_id"].astype(str).to_numpy()

    thresholds = np.full((len(segments), k), params.default_threshold, dtype=np.float32)
    calibration = "default"
    if human is not None:
        gold = np.zeros((len(turn_ids), k), dtype=bool)
        col = {c: j for j, c in enumerate(codes)}
        for iv, ti, code in zip(human["interview_id"], human["turn_index"], human["code_id"]):
            if (str(iv), int(ti)) in turn_ids and code in col:
                gold[turn_ids[(str(iv), int(ti))], col[code]] = True
        thresholds = _cross_fit(semantic, keyword, turn_of, interviews, gold, params)
        calibration = f"cross-fitted over interviews ({params.folds} folds)"
    decided = decide(semantic, keyword, thresholds, params.keyword_margin, params.relative)

    rows = []
    for i, j in zip(*np.nonzero(decided)):
        kw = keyword[i, j] > 0
        sem_ok = semantic[i, j] >= thresholds[i, j]
        method = "keyword+semantic" if kw and sem_ok else ("keyword" if kw else "semantic")
        evidence = kw_evidence.get((i, j)) if kw else sem_evidence.get((i, j), "")
        seg = segments.iloc[int(i)]
        rows.append(
            (
                seg["interview_id"],
                int(seg["turn_index"]),
                seg["segment_id"],
                int(seg["start"]),
                int(seg["end"]),
                codes[j],
                round(float(semantic[i, j]), 4),
                method,
                evidence or "",
            )
        )
    seg_codes = pd.DataFrame(rows, columns=list(SEGMENT_CODE_COLUMNS))
    seg_codes = seg_codes.sort_values(["interview_id", "turn_index", "segment_id", "code_id"])
    seg_codes = seg_codes.reset_index(drop=True)
    turn_codes = rollup(seg_codes)
    thr = pd.DataFrame(
        {
            "code_id": codes,
            "threshold_mean": thresholds.mean(axis=0).round(4),
            "threshold_min": thresholds.min(axis=0).round(4),
            "threshold_max": thresholds.max(axis=0).round(4),
        }
    )
    stats = {
        "segments": len(segments),
        "codes": k,
        "coded_segments": int(decided.any(axis=1).sum()),
        "segment_codes": len(seg_codes),
        "turn_codes": len(turn_codes),
        "by_method": dict(sorted(seg_codes["method"].value_counts().items())),
        "calibration": calibration,
        "seconds": round(time.perf_counter() - started, 3),
    }
    stats["segments_per_second"] = round(len(segments) / max(stats["seconds"], 1e-9), 1)
    return CodingResult(seg_codes, turn_codes, thr, stats)


def _cross_fit(
    semantic: np.ndarray,
    keyword: np.ndarray,
    turn_of: np.ndarray,
    interviews: np.ndarray,
    gold: np.ndarray,
    params: CodeParams,
) -> np.ndarray:
    """Per-segment thresholds, each learned on the other interviews' turns only."""
    unique = np.array(sorted(set(interviews)))
    rng = np.random.default_rng(params.seed)
    order = unique[rng.permutation(len(unique))]
    folds = np.array_split(order, min(params.folds, len(unique)))
    out = np.zeros_like(semantic)
    turn_interview = {}
    for t, iv in zip(turn_of, interviews):
        turn_interview[int(t)] = iv
    for fold in folds:
        test = np.isin(interviews, fold)
        train_turns = sorted({int(t) for t, m in zip(turn_of, ~test) if m})
        remap = {t: i for i, t in enumerate(train_turns)}
        tr = ~test
        thr = fit_thresholds(
            semantic[tr],
            keyword[tr],
            np.array([remap[int(t)] for t in turn_of[tr]]),
            gold[train_turns],
            params,
        )
        out[test] = thr
    return out


def rollup(seg_codes: pd.DataFrame) -> pd.DataFrame:
    """Per (turn, code): best score, number of segments, methods and the best evidence."""
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
) -> CodingResult:
    """Read inputs, code the segments, write every output (all or nothing)."""
    from pipeline.embed import encode

    params = load_params(params_path)
    book = load_codebook(codebook_path)
    for p in (segments_path, embeddings_path):
        if not Path(p).is_file():
            raise QualevalError(f"{p}: not found; run the embed stage first")
    segments = pd.read_parquet(segments_path)
    embeddings = np.load(embeddings_path, allow_pickle=False)
    human = read_codes_for_calibration(human_path) if human_path else None
    result = code_segments(
        segments,
        embeddings,
        book,
        params.code,
        lambda texts: encode(list(texts), params.embed.model, params.embed.batch_size),
        human,
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
    segment_codes: Path = typer.Option(..., help="one row per (segment, code) (parquet)"),
    turn_codes: Path = typer.Option(..., help="per-turn roll-up (parquet)"),
    thresholds: Path = typer.Option(..., help="thresholds used per code (CSV)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Apply the codebook to the segments."""
    from pipeline.anonymise import optional_path

    run_stage(
        params,
        segments,
        embeddings,
        codebook,
        human_path=optional_path(human),
        segment_codes_path=segment_codes,
        turn_codes_path=turn_codes,
        thresholds_path=thresholds,
        metrics_path=metrics,
    )


if __name__ == "__main__":
    from pipeline.cli import run_typer

    run_typer(main)
