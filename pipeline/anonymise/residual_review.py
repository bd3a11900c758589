"""What the recognisers missed: the residual-risk scan over the anonymised turns.

The leak gate runs :class:`~pipeline.recognisers.residual.ResidualScan` over every released
file; here the same scan reads each interview's anonymised turns, with the placeholders and
the allowed phrases blanked, so what looks like an unlisted identifier (an email, a phone
number, a handle, a capitalised name no recogniser found and no list accounts for: "Skem",
"Okafor-Lindqvist") is listed in the review file *before* anything is released, with its
context, for the researcher to add (decision ``add``) or leave. Words the corpus also writes
in lower case, and the codebook's vocabulary, are ordinary words here ("Peer Challenge" is
not a name when the speakers say "peer challenge"). Only counts reach the metrics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.anonymise.tables import context_snippet
from pipeline.recognisers.base import PhraseIndex
from pipeline.recognisers.residual import ResidualScan
from pipeline.text import blank_spans, placeholder_pattern

SOURCE = "residual_scan"


def _blanked(text: str, placeholders: re.Pattern[str], allow_index: PhraseIndex | None) -> str:
    """``text`` with its placeholders (and, given an index, allowed phrases) as spaces."""
    spans = [m.span() for m in placeholders.finditer(text)]
    if allow_index is not None:
        spans += [(s, e) for s, e, _ in allow_index.finditer(text)]
    return blank_spans(text, spans)


def residual_scan(
    texts: Sequence[str],
    interview_of: Sequence[str],
    allow_index: PhraseIndex | None,
    ordinary: frozenset[str],
    templates: dict[str, str] | None = None,
) -> ResidualScan:
    """The scan of each interview's anonymised ``texts`` (one "file" per interview).

    ``allow_index``: the allowed phrases to blank (None: ``texts`` come with them blanked).
    """
    placeholders = placeholder_pattern(templates)
    scan = ResidualScan(also_ordinary=frozenset(w.casefold() for w in ordinary))
    by_interview: dict[str, set[str]] = {}
    for text, iv in zip(texts, interview_of):
        by_interview.setdefault(iv, set()).add(_blanked(text, placeholders, allow_index))
    for iv in sorted(by_interview):
        scan.scan(iv, by_interview[iv])
    return scan


def residual_rows(
    scan: ResidualScan,
    texts: Sequence[str],
    interview_of: Sequence[str],
    context_chars: int,
) -> list[dict[str, Any]]:
    """Review-file rows for the scan's findings: status ``residual_risk`` or ``residual_name``.

    ``residual_risk``: a kind the gate fails on (it will fail the run unless handled);
    ``residual_name``: an unknown capitalised name (a warning). The context is the first
    occurrence in the interview's anonymised text.
    """
    found = [(iv, kind, s, "residual_risk") for iv, c in scan.risks.items() for kind, s in c]
    found += [
        (iv, "capitalised_name", s, "residual_name") for iv, c in scan.warnings.items() for s in c
    ]
    texts_of: dict[str, list[str]] = {}
    for text, iv in zip(texts, interview_of):
        texts_of.setdefault(iv, []).append(text)
    return [
        {
            "entity_id": "",
            "pseudonym": "",
            "entity_type": kind,
            "text": s,
            "status": status,
            "recognisers": SOURCE,
            "max_score": 0.0,
            "n_mentions": 0,
            "n_interviews": 1,
            "interviews": iv,
            "context": _first_context(s, texts_of.get(iv, []), context_chars),
            "decision": "",
            "link_to": "",
            "note": "",
        }
        for iv, kind, s, status in sorted(found)
    ]


def _first_context(s: str, texts: Sequence[str], width: int) -> str:
    """The first occurrence of ``s`` in ``texts``, as the review file shows context."""
    for text in texts:
        at = text.find(s)
        if at >= 0:
            return context_snippet(text, at, at + len(s), width)
    return ""


def residual_metrics(scan: ResidualScan) -> dict[str, Any]:
    """Counts only: unreplaced identifiers by kind, unknown names, interviews with findings."""
    m = scan.metrics()
    return {
        "identifiers": m["residual_failures"],
        "identifiers_by_kind": m["residual_by_kind"],
        "unknown_names": m["residual_warnings"],
        "interviews_with_findings": m["residual_files_with_findings"],
    }
