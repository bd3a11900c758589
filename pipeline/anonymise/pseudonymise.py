"""Pseudonyms: numbered per type by first appearance, and the text rewritten with them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import pandas as pd

from pipeline.anonymise.link import Entity, Mention, UnionFind
from pipeline.evaluator_files.decisions import Decisions
from pipeline.evaluator_files.register import RegisterEntity, strip_title
from pipeline.params import AnonymiseParams
from pipeline.recognisers.base import DATE, NAMED_TYPES, normalise_phrase

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def chosen_pseudonyms(
    register: list[RegisterEntity],
    decisions: Decisions,
    uf: UnionFind,
    entities: dict[str, Entity],
) -> dict[str, str]:
    """Pseudonyms fixed by the register or the review, by entity key."""
    chosen: dict[str, str] = {}
    for ent in register:
        if ent.pseudonym and ent.key in uf.parent:
            chosen[uf.find(ent.key)] = ent.pseudonym
    for text, pseudonym in decisions.pseudonym:
        norm = normalise_phrase(strip_title(text))
        for key in list(uf.parent):
            if key == f"name:{norm}" or key.endswith(f":{norm}"):
                chosen[uf.find(key)] = pseudonym
    return {k: v for k, v in chosen.items() if k in entities}


def assign_pseudonyms(
    entities: dict[str, Entity],
    params: AnonymiseParams,
    chosen: dict[str, str],
) -> None:
    """Give every entity its pseudonym, numbered per type in order of first appearance.

    ``chosen`` maps an entity key to a pseudonym fixed by the register or the review.
    """
    taken = set(chosen.values())
    counters: Counter = Counter()
    ordered = sorted(entities.values(), key=lambda e: (e.first, e.key))
    for i, ent in enumerate(ordered, start=1):
        ent.entity_id = f"E{i:05d}"
        if ent.key in chosen:
            ent.pseudonym = chosen[ent.key]
            continue
        template = params.pseudonyms[ent.entity_type]
        if ent.entity_type == DATE and params.dates == "coarsen" and ent.canonical:
            ent.pseudonym = ent.canonical
            continue
        if ent.entity_type not in NAMED_TYPES:
            ent.pseudonym = template
            continue
        while True:
            counters[ent.entity_type] += 1
            n = counters[ent.entity_type]
            candidate = template.format(n=n, letter=_letter(n))
            if candidate not in taken:
                break
        taken.add(candidate)
        ent.pseudonym = candidate


def _letter(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = _LETTERS[r] + s
    return s


def speaker_pseudonyms(turns: pd.DataFrame) -> pd.Series:
    """Role pseudonyms for speakers: "Interviewer", "Respondent", or "Respondent 2" when shared."""
    out = pd.Series(index=turns.index, dtype=object)
    for _, group in turns.groupby("interview_id", sort=False):
        order: dict[str, list[str]] = defaultdict(list)
        for label, role in zip(group["speaker_label"], group["speaker_role"]):
            if label not in order[role]:
                order[role].append(label)
        for idx, label, role in zip(group.index, group["speaker_label"], group["speaker_role"]):
            title = str(role).capitalize()
            labels = order[role]
            out[idx] = title if len(labels) == 1 else f"{title} {labels.index(label) + 1}"
    return out


def replace_mentions(
    texts: Sequence[str],
    mentions: list[Mention],
    entities: dict[str, Entity],
    uf: UnionFind,
) -> tuple[list[str], list[int], list[tuple[int, Mention, Entity]]]:
    """Replace every mention by its entity's pseudonym, right to left, per turn.

    Returns:
        The new texts, the number of replacements per turn, and every replacement made as
        ``(turn row, mention, entity)``.
    """
    per_row: dict[int, list[Mention]] = defaultdict(list)
    for m in mentions:
        per_row[m.row].append(m)
    new_texts = list(texts)
    n_repl = [0] * len(texts)
    applied = []
    for row, ms in per_row.items():
        text = texts[row]
        for m in sorted(ms, key=lambda m: m.det.start, reverse=True):
            ent = entities[uf.find(m.key)]
            text = text[: m.det.start] + ent.pseudonym + text[m.det.end :]
            applied.append((row, m, ent))
        new_texts[row] = text
        n_repl[row] = len(ms)
    return new_texts, n_repl, applied
