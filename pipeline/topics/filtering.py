"""Which segments carry analytic content: the rest is left out of topic modelling (ADR 0021).

A segment is left out, with the reason, when

1. a rule of :func:`pipeline.nonanalytic.nonanalytic_reason` fits it (``self-introduction``,
   ``greeting``, ``contact-detail``, ``logistics``);
2. it has fewer than ``topics.min_content_words`` content words once fillers and stop words
   are gone (``too short``: "Yeah, definitely, I think so.");
3. by meaning (``small talk``): it is at least ``topics.small_talk_similarity`` close (cosine)
   to one of the uncoded examples (qualeval's generic set
   :data:`pipeline.nonanalytic.GENERIC_UNCODED` and the codebook's own, from the codebook
   vectors) and closer to them than to any code's material by ``topics.small_talk_margin``.
   The same two sets the coders use, so a turn the coders leave uncoded as small talk is not
   offered back as a theme.
4. ``small talk topic``: after a first fit, the segments of a topic that is small talk as a
   whole (:func:`small_talk_topics`); the topics are then fitted again without them.

A segment carrying a contact placeholder of the anonymisation (``[email]``, ``[phone]``,
``[url]``) is a ``contact-detail`` too: the pattern rules see real addresses and numbers, the
anonymised text only their placeholders.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.nonanalytic import nonanalytic_reason
from pipeline.params import TopicsParams

UNCODED_KINDS = frozenset({"uncoded", "generic_uncoded"})
#: every reason a segment can be left out with
DROP_REASONS = (
    "self-introduction",
    "greeting",
    "contact-detail",
    "logistics",
    "too short",
    "small talk",
    "small talk topic",
)


def _stack(vectors: pd.Series) -> np.ndarray:
    if not len(vectors):
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([np.asarray(v, dtype=np.float32) for v in vectors])


def uncoded_lead(embeddings: np.ndarray, codebook_vectors: pd.DataFrame | None) -> tuple:
    """Each segment's cosine to its nearest uncoded example and how far that beats the codes.

    Returns:
        ``(to_uncoded, lead)``: arrays, one value per segment, where ``lead`` is ``to_uncoded``
        less the cosine to the nearest code material; ``(None, None)`` without uncoded examples.
    """
    if codebook_vectors is None or not len(codebook_vectors) or not len(embeddings):
        return None, None
    uncoded = codebook_vectors["kind"].isin(UNCODED_KINDS).to_numpy()
    u, c = _stack(codebook_vectors["vector"][uncoded]), _stack(codebook_vectors["vector"][~uncoded])
    if not len(u):
        return None, None
    emb = embeddings.astype(np.float64)
    to_uncoded = np.round(emb @ u.astype(np.float64).T, 6).max(axis=1)
    to_codes = np.round(emb @ c.astype(np.float64).T, 6).max(axis=1) if len(c) else -1.0
    return to_uncoded, np.round(to_uncoded - to_codes, 6)


def small_talk_mask(
    embeddings: np.ndarray, codebook_vectors: pd.DataFrame | None, params: TopicsParams
) -> np.ndarray:
    """True where a segment is small talk by meaning (rule 3 of the module docstring)."""
    to_uncoded, lead = uncoded_lead(embeddings, codebook_vectors)
    if to_uncoded is None:
        return np.zeros(len(embeddings), dtype=bool)
    return (to_uncoded >= params.small_talk_similarity) & (lead >= params.small_talk_margin)


def small_talk_topics(topics: np.ndarray, lead: np.ndarray | None, params: TopicsParams) -> set:
    """Topics whose segments are on average nearly as close to the uncoded examples as to codes.

    A topic (not -1) whose mean ``lead`` (see :func:`uncoded_lead`) is at least
    ``-topics.small_talk_topic_margin`` is small talk as a whole ("fine, morning, saturday":
    pleasantries that no single segment gives away); its segments are left out and the topics
    fitted again without them.
    """
    if lead is None or not len(topics):
        return set()
    out = set()
    for t in sorted(set(topics.tolist()) - {-1}):
        if float(np.mean(lead[topics == t])) >= -params.small_talk_topic_margin:
            out.add(int(t))
    return out


def drop_reasons(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    codebook_vectors: pd.DataFrame | None,
    params: TopicsParams,
    content_words: list[int],
    contacts: re.Pattern[str] | None = None,
) -> list[str | None]:
    """Why each segment is left out of topic modelling, or None to keep it (same order).

    Args:
        segments: the candidate segments (``text``).
        embeddings: their embeddings, same order.
        codebook_vectors: the ``codebook_vectors`` table (None: no rule 3).
        params: the ``topics`` block.
        content_words: each segment's number of content words (fillers, stop words gone).
        contacts: the pattern of the contact placeholders (``[email]``, ``[phone]``, ``[url]``).
    """
    if not params.drop_nonanalytic:
        return [None] * len(segments)
    meaning = small_talk_mask(embeddings, codebook_vectors, params)
    out: list[str | None] = []
    for text, n_words, chat in zip(segments["text"].astype(str), content_words, meaning):
        reason = nonanalytic_reason(text, contacts)
        if reason is None and n_words < params.min_content_words:
            reason = "too short"
        if reason is None and chat:
            reason = "small talk"
        out.append(reason)
    return out


def dropped_table(segments: pd.DataFrame, reasons: list[str | None]) -> pd.DataFrame:
    """The segments left out, with the reason (``dropped_segments`` columns)."""
    keep = np.array([r is not None for r in reasons], dtype=bool)
    cols = ["segment_id", "interview_id", "turn_index"]
    seg = segments.loc[keep] if len(segments) else pd.DataFrame({c: [] for c in cols})
    return pd.DataFrame(
        {
            "segment_id": seg["segment_id"].astype("string"),
            "interview_id": seg["interview_id"].astype("string"),
            "turn_index": seg["turn_index"].astype("int32"),
            "reason": pd.array([r for r in reasons if r is not None], dtype="string"),
        }
    ).reset_index(drop=True)
