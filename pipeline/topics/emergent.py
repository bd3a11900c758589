"""What makes a topic "emergent": too few of its segments carry any code (ADR 0009).

See ``docs/adr/0009-emergent-topics.md``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def is_emergent(topic_id: int, coded_share: float, threshold: float) -> bool:
    """A real topic (not the outliers) whose coded share is below ``topics.emergent_threshold``."""
    return bool(topic_id != -1 and coded_share < threshold)


def emergent_reason(row: Any, threshold: float, code_labels: dict[str, str]) -> str:
    """Why a topic is emergent, in words, from its row of the topics table."""
    if pd.isna(row.top_code_id):
        return f"no code on any of its {row.n_segments} segments"
    label = code_labels.get(str(row.top_code_id))
    name = f"{row.top_code_id} ({label})" if label else str(row.top_code_id)
    return (
        f"{row.coded_share:.0%} of its {row.n_segments} segments carry a code "
        f"(< {threshold:.0%}); the most frequent, {name}, is on "
        f"{row.top_code_share:.0%}"
    )
