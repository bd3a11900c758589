"""The report's "themes the codebook may be missing" paragraph."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report.candidates import CANDIDATES_FILE, missing_themes
from pipeline.report.tables import TOPICS_NOT_RUN


def _emergent(rows):
    return pd.DataFrame(rows, columns=["topic_id", "label", "n_interviews"])


@pytest.mark.parametrize(
    ("ran", "rows", "expected"),
    [
        (False, [], TOPICS_NOT_RUN),
        (True, [], "no emergent topics"),
        (True, [(3, "travel costs", 2)], "1 topic that no code covers well: “travel costs” (2"),
        (
            True,
            [(1, "b theme", 1), (2, "a theme", 4)],
            "2 topics that no code covers well: “a theme” (4 interviews); “b theme” (1 interview)",
        ),
    ],
)
def test_when_emergent_topics_then_paragraph_names_them(ran, rows, expected):
    out = missing_themes(ran, _emergent(rows))
    assert len(out) == 1 and expected in out[0]
    assert (CANDIDATES_FILE in out[0]) is bool(ran and rows)
