"""The report's paragraph on emergent topics: themes the codebook may be missing (ADR 0021).

The topics stage turns each emergent topic into a draft codebook entry
(``outputs/topics/candidate_codes.yaml``); the report names them, with how many interviews
raise each, and says where the drafts are.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.nouns import INTERVIEWS, Nouns
from pipeline.report.summary import topic_list, topics_summary

CANDIDATES_FILE = "candidate_codes.yaml"


def missing_themes(
    topics_ran: bool, emergent: pd.DataFrame, nouns: Nouns = INTERVIEWS
) -> list[str]:
    """The emergent topics as themes the codebook may be missing (one paragraph).

    Args:
        topics_ran: whether the topics stage ran for this report.
        emergent: the report's emergent topics table (``label``, ``n_interviews``).
        nouns: the report's words for its cases.
    """
    if not topics_ran or emergent.empty:
        return topics_summary(topics_ran, emergent, nouns)
    rows = emergent.sort_values(["n_interviews", "label"], ascending=[False, True], kind="stable")
    themes = topic_list(rows, nouns)
    n = len(rows)
    return [
        f"Themes the codebook may be missing: the topic model found {n} topic"
        f"{'s' if n != 1 else ''} that no code covers well: {themes}. Each is drafted as a "
        "candidate code, with its best quotes as examples, for the evaluation team to review "
        f"before adding it to the codebook (in its researcher files, {CANDIDATES_FILE})."
    ]
