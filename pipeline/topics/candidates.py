"""Candidate codes: each emergent topic as a draft codebook entry (ADR 0021).

The entries follow the codebook's schema (:class:`pipeline.codebook.Code`): a researcher can
paste them under ``codes:`` of the codebook, then rename, rewrite and prune them. Each is a
leaf code (no parent) with an id ``candidate_<topic>_<slug>``, the topic's phrase label, a
definition sketch from its keyphrases and size, its best quotes as examples and its top
keyphrases as keywords; the memo says where it came from.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import yaml

from pipeline.params import TopicsParams

_SLUG = re.compile(r"[^a-z0-9]+")
CANDIDATE_KEYWORDS = 5

HEADER = (
    "# Candidate codes: the emergent topics of this run as draft codebook entries.\n"
    "# Written by the topics stage (docs/adr/0021-emergent-topics-an-evaluator-can-use.md).\n"
    "# Paste the entries you keep under `codes:` of the codebook, then rename them, rewrite the\n"
    "# definition in your own words and check the examples: they are the topic's quotes.\n"
)


def slug(label: str, max_words: int = 4) -> str:
    """An id-safe slug of a label: lower-case words joined by ``_`` ("peer review, team")."""
    words = [w for w in _SLUG.split(label.lower()) if w][:max_words]
    out = "_".join(words)
    return out if out and out[0].isalpha() else f"t_{out}".rstrip("_")


def _definition(row: Any, phrases: list[str]) -> str:
    listed = ", ".join(phrases[:-1]) + (f" and {phrases[-1]}" if len(phrases) > 1 else phrases[0])
    return (
        f"Draft from emergent topic {int(row.topic_id)}: interviewees talk about {listed} "
        f"({int(row.n_segments)} segments in {int(row.n_interviews)} interviews; "
        f"{float(row.coded_share):.0%} of them carry an existing code). "
        "Rewrite this definition before coding with it."
    )


def candidate_codes(
    emergent: pd.DataFrame,
    quotes: pd.DataFrame,
    words: dict[int, list[str]],
    params: TopicsParams,
) -> list[dict[str, Any]]:
    """One draft codebook entry per emergent topic, in topic order."""
    out = []
    for row in emergent.sort_values("topic_id").itertuples(index=False):
        t = int(row.topic_id)
        phrases = [w for w in words.get(t, []) if w.strip()][:CANDIDATE_KEYWORDS]
        if not phrases:
            phrases = [str(row.label)]
        # the label's phrases, not the raw keywords: no "positive" beside "broadly positive"
        named = [p for p in str(row.label).split(", ") if p.strip()] or phrases[:3]
        examples = quotes.loc[quotes["topic_id"] == t].sort_values("rank")["text"]
        examples = [" ".join(str(x).split()) for x in examples]
        out.append(
            {
                "id": f"candidate_{t:02d}_{slug(str(row.label))}",
                "label": str(row.label),
                "definition": _definition(row, named),
                "include": [f"talk of {p}" for p in named],
                "examples": examples,
                "keywords": phrases,
                "memo": f"emergent topic {t}: {row.reason}",
            }
        )
    return out


def candidates_yaml(candidates: list[dict[str, Any]]) -> str:
    """The candidate codes as a codebook-shaped YAML document (``codes:``), header first."""
    body = yaml.safe_dump({"codes": candidates}, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body
