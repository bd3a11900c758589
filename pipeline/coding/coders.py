"""The rule-based coders of the code stage and the codebook-vector cache they read.

* :class:`KeywordCoder`: the codebook's ``keywords`` (spaCy ``PhraseMatcher`` on lemmas, so
  "shared practices" matches "share practice") and ``patterns`` (spaCy ``Matcher``);
* :class:`SemanticCoder`: cosine similarity between an embedding and each code's centroid
  of material (definition, include criteria, examples), with ``exclude`` criteria respected.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.codebook import Codebook
from pipeline.encoder import EncodeFn
from pipeline.errors import QualevalError
from pipeline.nonanalytic import uncoded_examples
from pipeline.similarity import similarity

log = logging.getLogger(__name__)


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

    def __init__(self, book: Codebook, encode: EncodeFn) -> None:
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
        self.centroids = normalise(
            np.stack([self.proto.vectors[self.proto.owner == j].mean(axis=0) for j in col.values()])
        )
        excl = kinds == "exclude"
        self.excl = (vectors[excl], owners[excl]) if excl.any() else None
        unc = kinds == "uncoded"
        self.uncoded = normalise(vectors[unc].mean(axis=0)[None]) if unc.any() else None
        # the built-in generic set plus the codebook's own: what a turn with no code looks like
        examples = uncoded_examples(book.uncoded)
        self.uncoded_examples = np.asarray(encode(examples), dtype=np.float32)

    def score(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity of each row (a segment or a pooled turn) to each code, shape (n, k)."""
        scores = similarity(embeddings, self.centroids)
        if self.excl is not None:
            ex_sims = similarity(embeddings, self.excl[0])
            for j in range(len(self.codes)):
                cols = np.flatnonzero(self.excl[1] == j)
                if len(cols):
                    worst = ex_sims[:, cols].max(axis=1)
                    scores[:, j] -= np.clip(worst - scores[:, j], 0, None)
        return scores

    def nearest_prototype(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity of each row to each code's single nearest piece of material, (n, k).

        With two examples a code's centroid sits between them; the nearest piece rewards a
        turn that is close to one example even when it is far from the other.
        """
        sims = similarity(embeddings, self.proto.vectors)
        out = np.full((len(sims), len(self.codes)), -1.0, dtype=np.float32)
        for j in range(len(self.codes)):
            cols = np.flatnonzero(self.proto.owner == j)
            if len(cols):
                out[:, j] = sims[:, cols].max(axis=1)
        return out

    def analytic_margin(self, embeddings: np.ndarray) -> np.ndarray:
        """How much closer each row is to its best code than to any uncoded example, (n,).

        Negative: the row looks more like a greeting, consent, self-introduction, logistics or
        contact details (:mod:`pipeline.nonanalytic`, plus the codebook's ``uncoded``) than like
        any code.
        """
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if not len(embeddings):
            return np.zeros(0, dtype=np.float32)
        best_code = self.score(embeddings).max(axis=1)
        best_uncoded = similarity(embeddings, self.uncoded_examples).max(axis=1)
        return (best_code - best_uncoded).astype(np.float32)

    def score_uncoded(self, embeddings: np.ndarray) -> np.ndarray | None:
        """Similarity of each row to the codebook's ``uncoded`` material (None without it)."""
        if self.uncoded is None:
            return None
        return similarity(embeddings, self.uncoded)[:, 0]

    def nearest(self, vector: np.ndarray, j: int) -> str:
        """The piece of code ``j``'s material nearest to ``vector`` (for evidence)."""
        cols = np.flatnonzero(self.proto.owner == j)
        best = cols[int(np.argmax(similarity(vector, self.proto.vectors[cols])))]
        return f"nearest {self.proto.labels[best]}"


def normalise(m: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero), as float32."""
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.clip(norms, 1e-12, None)).astype(np.float32)
