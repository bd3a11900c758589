"""Speaker roles: metadata names first, then ``ingest.speaker_patterns``, then a heuristic.

The heuristic (ADR 0004): when no speaker is the interviewer yet, the one who asks the most
questions is; the others are respondents when they speak at least ``other_share`` of the
non-interviewer words, else ``other``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pipeline.ingest.labels import speaker_key
from pipeline.ingest.turns import WORD, Segment
from pipeline.params import IngestParams

INTERVIEWER, RESPONDENT, OTHER = "interviewer", "respondent", "other"
NAME_COLUMN_ROLES = {
    "interviewer": INTERVIEWER,
    "interviewee": RESPONDENT,
    "respondent": RESPONDENT,
}


def name_keys(names: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """Speaker keys for people's names from metadata: full name and first name -> role.

    A plain iterable of names (no roles) maps each to ``other``; the first mapping wins.
    """
    items = names.items() if isinstance(names, Mapping) else ((n, OTHER) for n in names)
    out: dict[str, str] = {}
    for name, role in items:
        if name and name.strip():
            out.setdefault(speaker_key(name), role)
            out.setdefault(speaker_key(name.split()[0]), role)
    return out


def metadata_names(row: Mapping[str, str], params: IngestParams) -> dict[str, str]:
    """People's names in a metadata row's name columns -> the role of their column."""
    return {
        row.get(c, ""): NAME_COLUMN_ROLES.get(c, OTHER) for c in params.name_columns if row.get(c)
    }


def assign_roles(
    turns: list[Segment], params: IngestParams, names: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Map each speaker key to (role, rule): metadata names, then label patterns, then heuristic.

    Args:
        turns: merged turns of one transcript.
        params: ingest parameters (label patterns, ``other_share``).
        names: metadata person names -> role.

    Returns:
        ``{speaker_key: (role, rule)}`` with rule ``metadata``, ``pattern`` or ``heuristic``.
    """
    keys = list(dict.fromkeys(t.key for t in turns))
    by_name = name_keys(names)
    out: dict[str, tuple[str, str]] = {}
    for key in keys:
        if key in by_name:
            out[key] = (by_name[key], "metadata")
        elif (role := params.speaker_patterns.role_of(key)) is not None:
            out[key] = (role, "pattern")
    rest = [k for k in keys if k not in out]
    if rest:
        _heuristic_roles(turns, keys, rest, out, params.other_share)
    return out


def _heuristic_roles(
    turns: list[Segment],
    keys: list[str],
    rest: list[str],
    out: dict[str, tuple[str, str]],
    other_share: float,
) -> None:
    """Give the speakers in ``rest`` a role by questions asked and share of words (in place)."""
    words = Counter()
    questions = Counter()
    nturns = Counter()
    for t in turns:
        words[t.key] += sum(len(WORD.findall(p)) for p in t.paras)
        nturns[t.key] += 1
        questions[t.key] += any(p.rstrip().endswith("?") for p in t.paras)
    if not any(r == INTERVIEWER for r, _ in out.values()):
        q_share = {k: questions[k] / nturns[k] for k in rest}
        best = max(rest, key=lambda k: (q_share[k], -keys.index(k)))
        if q_share[best] == 0:
            best = rest[0]
        out[best] = (INTERVIEWER, "heuristic")
        rest.remove(best)
    side = sum(words[k] for k in keys if out.get(k, ("", ""))[0] != INTERVIEWER)
    for k in rest:
        share = words[k] / side if side else 0.0
        out[k] = (RESPONDENT if share >= other_share else OTHER, "heuristic")
