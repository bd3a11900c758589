"""Topic keyphrases said verbatim: are a run's keywords and labels phrases of its own text?

Usage::

    python benchmarks/bench_topic_labels.py [--outputs outputs] [--out FILE]

For each topic of ``<outputs>/topics/topics.parquet`` (outliers left out), each multi-word
keyword among its first 10 and each multi-word phrase of its label counts as **verbatim**
when it occurs as adjacent words (lower case, words only) in at least one of the topic's
segments (``segment_topics.parquet`` joined to ``<outputs>/segments/segments.parquet``). A
keyphrase nobody said ("time time" from "time to time") labels a topic with words that are
not in it (ADR 0043). Prints one JSON document; ``--out`` also writes it. Reads anonymised
outputs only. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd

TOP_KEYWORDS = 10


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z']+", str(text).lower().replace("’", "'")))


def _said(phrase: str, texts: list[str]) -> bool:
    pattern = re.compile(rf"\b{re.escape(phrase)}\b")
    return any(pattern.search(t) for t in texts)


def verbatim_shares(outputs: Path) -> dict[str, object]:
    """Counts and shares of multi-word keywords and label phrases said in their topic."""
    topics = pd.read_parquet(outputs / "topics" / "topics.parquet")
    assigned = pd.read_parquet(outputs / "topics" / "segment_topics.parquet")
    segments = pd.read_parquet(outputs / "segments" / "segments.parquet")
    joined = assigned.merge(segments[["segment_id", "text"]], on="segment_id")
    texts = {int(k): [_words(x) for x in g["text"]] for k, g in joined.groupby("topic_id")}
    counts = {"keywords": [0, 0], "label_phrases": [0, 0]}
    for row in topics.itertuples(index=False):
        if int(row.topic_id) == -1:
            continue
        mine = texts.get(int(row.topic_id), [])
        keywords = [w.strip() for w in str(row.keywords).split(";")][:TOP_KEYWORDS]
        for kind, phrases in (("keywords", keywords), ("label_phrases", row.label.split(", "))):
            for phrase in (p for p in phrases if len(p.split()) > 1):
                counts[kind][0] += _said(_words(phrase), mine)
                counts[kind][1] += 1
    return {
        kind: {"verbatim": said, "of": total, "share": round(said / total, 3) if total else None}
        for kind, (said, total) in counts.items()
    }


def main() -> None:
    """Parse the arguments, measure, print (and write) the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, default=Path("outputs"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = json.dumps(verbatim_shares(args.outputs), indent=2, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
