"""The stage's output tables: safe turns and interviews, the key, review, mentions, stats.

The safe tables (turns, interviews) may be shared; the key, review, mentions and gold
leaks name real people and stay in the private area.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline import catalogue
from pipeline.anonymise.link import Entity, Mention, UnionFind
from pipeline.anonymise.pseudonymise import speaker_pseudonyms
from pipeline.recognisers.base import Detection

REVIEW_COLUMNS = catalogue.columns("anonymisation_review")
MENTION_COLUMNS = catalogue.columns("anonymisation_mentions")


# --- safe tables ---------------------------------------------------------------------------


def safe_turns(turns: pd.DataFrame, new_texts: list[str], n_repl: list[int]) -> pd.DataFrame:
    """The shareable turns table: pseudonymised text and role pseudonyms for speakers."""
    safe = pd.DataFrame(
        {
            "interview_id": turns["interview_id"].astype(str),
            "turn_index": turns["turn_index"].astype("int32"),
            "speaker": speaker_pseudonyms(turns).astype(str),
            "speaker_role": turns["speaker_role"].astype(str),
            "text": new_texts,
            "n_words": [len(t.split()) for t in new_texts],
            "n_replacements": pd.Series(n_repl, dtype="int32"),
            "start_s": turns.get("start_s", pd.Series([None] * len(turns))).astype("float64"),
            "end_s": turns.get("end_s", pd.Series([None] * len(turns))).astype("float64"),
        }
    )
    safe["n_words"] = safe["n_words"].astype("int32")
    return safe


def safe_interviews(interviews: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The interviews table with only shareable columns (dates coarsened to month)."""
    out = pd.DataFrame({"interview_id": interviews["interview_id"].astype(str)})
    for col in columns:
        if col in interviews.columns:
            out[col] = interviews[col].astype("string")
    if "interview_date" in interviews.columns:
        dates = pd.to_datetime(interviews["interview_date"], errors="coerce")
        out["interview_month"] = dates.dt.strftime("%Y-%m").astype("string")
    counts = ("format", "n_turns", "n_respondent_turns", "n_words", "n_speakers")
    # case columns exist only for evaluations with surveys or focus groups
    cases = ("case_kind", "n_participants", "n_blank_answers")
    for col in (*counts, *cases):
        if col in interviews.columns:
            out[col] = interviews[col]
    return out.reset_index(drop=True)


def safe_participants(
    participants: pd.DataFrame, turns: pd.DataFrame, safe: pd.DataFrame, columns: list[str]
) -> pd.DataFrame:
    """Focus-group participants with their role pseudonym and shareable attributes only.

    ``speaker`` is the participant's pseudonym in the anonymised turns (``Respondent 2``),
    empty for a listed participant who never speaks; attributes are the ``columns`` the
    participants sheet has (``anonymise.metadata_columns``), after the counts. Names are
    never copied.
    """
    keep = [c for c in columns if c in participants.columns]
    out_cols = ["interview_id", "speaker", "n_turns", "n_words", *keep]
    if participants.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in out_cols}).astype(
            {"n_turns": "int64", "n_words": "int64"}
        )
    pseudo = pd.DataFrame(
        {
            "interview_id": turns["interview_id"].astype(str).to_numpy(),
            "speaker_label": turns["speaker_label"].astype(str).to_numpy(),
            "speaker": safe["speaker"].astype(str).to_numpy(),
        }
    ).drop_duplicates(["interview_id", "speaker_label"])
    p = participants.assign(interview_id=participants["interview_id"].astype(str))
    p = p.merge(pseudo, on=["interview_id", "speaker_label"], how="left")
    p["speaker"] = p["speaker"].fillna("")
    out = p[out_cols].copy()
    for c in ["interview_id", "speaker", *keep]:
        out[c] = out[c].astype("string")
    return out.reset_index(drop=True)


# --- private tables ------------------------------------------------------------------------


def mentions_table(
    applied: list[tuple[int, Mention, Entity]],
    interview_of: Sequence[str],
    turn_of: Sequence[int],
) -> pd.DataFrame:
    """One row per replacement made, in text order."""
    rows = [
        {
            "interview_id": interview_of[row],
            "turn_index": turn_of[row],
            "start": m.det.start,
            "end": m.det.end,
            "text": m.det.text,
            "entity_type": ent.entity_type,
            "entity_id": ent.entity_id,
            "pseudonym": ent.pseudonym,
            "recogniser": m.det.recogniser,
            "score": round(m.det.score, 4),
        }
        for row, m, ent in applied
    ]
    df = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    return df.sort_values(["interview_id", "turn_index", "start"]).reset_index(drop=True)


def key_payload(
    entities: dict[str, Entity], turns: pd.DataFrame, safe: pd.DataFrame
) -> dict[str, Any]:
    """The private key: every entity with its pseudonym and variants, and named speakers."""
    items = []
    for ent in sorted(entities.values(), key=lambda e: e.entity_id):
        items.append(
            {
                "entity_id": ent.entity_id,
                "entity_type": ent.entity_type,
                "pseudonym": ent.pseudonym,
                "variants": sorted(ent.surfaces),
                "canonical": ent.canonical,
                "recognisers": sorted(ent.recognisers),
                "n_mentions": int(sum(ent.surfaces.values())),
                "interviews": sorted(ent.interviews),
            }
        )
    key: dict[str, Any] = {"format": "qualeval-key-v1", "entities": items}
    key["speakers"] = _speaker_key(turns, safe)
    return key


def _speaker_key(turns: pd.DataFrame, safe: pd.DataFrame) -> list[dict[str, str]]:
    """Speaker labels that are names, with the role pseudonym each got."""
    named = turns["role_rule"].isin(["metadata", "heuristic"]) if "role_rule" in turns else None
    speakers = set()
    if named is not None:
        for iv, label, pseudo in zip(
            turns.loc[named, "interview_id"],
            turns.loc[named, "speaker_label"],
            safe.loc[named, "speaker"],
        ):
            speakers.add((str(iv), str(label), str(pseudo)))
    return [
        {"interview_id": iv, "label": label, "pseudonym": pseudo}
        for iv, label, pseudo in sorted(speakers)
    ]


def context_snippet(text: str, start: int, end: int, width: int) -> str:
    """``text[start:end]`` in «» with ``width`` characters either side, on one line."""
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    return re.sub(r"\s+", " ", f"…{left}«{text[start:end]}»{right}…")


def review_table(
    entities: dict[str, Entity],
    mentions: list[Mention],
    uf: UnionFind,
    texts: Sequence[str],
    interview_of: Sequence[str],
    context_chars: int,
    dropped: dict[tuple[str, str], tuple[Detection, int]],
) -> pd.DataFrame:
    """One row per distinct (entity, surface text), plus detections that were not replaced."""
    rows = _replaced_rows(entities, mentions, uf, texts, interview_of, context_chars)
    for (_, reason), (d, row) in dropped.items():
        rows.append(
            {
                "entity_id": "",
                "pseudonym": "",
                "entity_type": d.entity_type,
                "text": d.text,
                "status": reason,
                "recognisers": d.recogniser,
                "max_score": round(d.score, 4),
                "n_mentions": 0,
                "n_interviews": 0,
                "interviews": interview_of[row],
                "context": context_snippet(texts[row], d.start, d.end, context_chars),
                "decision": "",
                "link_to": "",
                "note": "",
            }
        )
    df = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    status_order = {"replaced": 0}
    df["_s"] = df["status"].map(lambda s: status_order.get(s, 1))
    df = df.sort_values(["_s", "entity_type", "entity_id", "text", "status", "recognisers"])
    return df.drop(columns="_s").reset_index(drop=True)


def _replaced_rows(
    entities: dict[str, Entity],
    mentions: list[Mention],
    uf: UnionFind,
    texts: Sequence[str],
    interview_of: Sequence[str],
    context_chars: int,
) -> list[dict[str, Any]]:
    """The review rows of replaced text: one per (entity, surface), first mention as context."""
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        groups.setdefault((uf.find(m.key), m.det.text), []).append(m)
    rows = []
    for (root, surface), ms in groups.items():
        ent = entities[root]
        first = min(ms, key=lambda m: (interview_of[m.row], m.row, m.det.start))
        ivs = sorted({interview_of[m.row] for m in ms})
        rows.append(
            {
                "entity_id": ent.entity_id,
                "pseudonym": ent.pseudonym,
                "entity_type": ent.entity_type,
                "text": surface,
                "status": "replaced",
                "recognisers": "|".join(sorted({m.det.recogniser for m in ms})),
                "max_score": round(max(m.det.score for m in ms), 4),
                "n_mentions": len(ms),
                "n_interviews": len(ivs),
                "interviews": " ".join(ivs[:10]),
                "context": context_snippet(
                    texts[first.row], first.det.start, first.det.end, context_chars
                ),
                "decision": "",
                "link_to": "",
                "note": "",
            }
        )
    return rows


# --- stats and gold metrics ------------------------------------------------------------------


def run_stats(
    texts: Sequence[str],
    entities: dict[str, Entity],
    n_mentions: int,
    mentions_df: pd.DataFrame,
    dropped: Counter,
    names: list[str],
    seconds: float,
) -> dict[str, Any]:
    """The run's counts (the metrics file adds speed, gold scores and key encryption)."""
    return {
        "turns": len(texts),
        "words": int(sum(len(t.split()) for t in texts)),
        "entities": len(entities),
        "replacements": n_mentions,
        "entities_by_type": dict(sorted(Counter(e.entity_type for e in entities.values()).items())),
        "replacements_by_type": dict(sorted(mentions_df["entity_type"].value_counts().items())),
        "replacements_by_recogniser": dict(
            sorted(mentions_df["recogniser"].value_counts().items())
        ),
        "dropped_detections": dict(sorted(dropped.items())),
        "recognisers": names,
        "seconds": round(seconds, 3),
    }


def _count(term: str, text: str) -> int:
    return len(re.findall(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text))


def score_against_gold(
    original: pd.DataFrame, anonymised: pd.DataFrame, gold: list[dict[str, Any]]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Leak rate and over-redaction against gold ``must_remove`` / ``must_keep`` strings.

    Leak rate: share of ``must_remove`` occurrences (case-sensitive, whole words) in the
    original text that survive in the anonymised text and speaker columns. Over-redaction:
    share of ``must_keep`` occurrences (outside any ``must_remove`` one) that are gone.

    Returns:
        The metrics, and the private table of surviving identifiers (one row per string).
    """
    orig = original.groupby("interview_id")["text"].apply(lambda s: "\n".join(s.astype(str)))
    anon = anonymised.groupby("interview_id").apply(
        lambda g: "\n".join(g["text"].astype(str)) + "\n" + "\n".join(g["speaker"].astype(str)),
        include_groups=False,
    )
    remove_total = remove_left = keep_total = keep_lost = 0
    leaks = []
    for rec in gold:
        iv = rec["interview_id"]
        if iv not in orig.index:
            continue
        o, a = orig[iv], anon.get(iv, "")
        masked = o
        for term in sorted(set(rec.get("must_remove", [])), key=len, reverse=True):
            n_o = _count(term, o)
            n_a = min(_count(term, a), n_o) if n_o else 0
            remove_total += n_o
            remove_left += n_a
            if n_a:
                leaks.append({"interview_id": iv, "text": term, "surviving": n_a, "original": n_o})
            masked = re.sub(r"(?<!\w)" + re.escape(term) + r"(?!\w)", " ", masked)
        for term in sorted(set(rec.get("must_keep", []))):
            n_o = _count(term, masked)
            n_a = _count(term, a)
            keep_total += n_o
            keep_lost += max(0, n_o - n_a)
    metrics = {
        "must_remove_occurrences": remove_total,
        "must_remove_surviving": remove_left,
        "leak_rate": round(remove_left / remove_total, 4) if remove_total else 0.0,
        "must_keep_occurrences": keep_total,
        "must_keep_removed": keep_lost,
        "over_redaction": round(keep_lost / keep_total, 4) if keep_total else 0.0,
    }
    return metrics, pd.DataFrame(leaks, columns=["interview_id", "text", "surviving", "original"])
