"""Report charts: prevalence by theme, by group, and stance only when reportable (fixed bytes)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report.charts import build_charts, stance_series

PREVALENCE = pd.DataFrame(
    {
        "code_id": ["benefit", "challenge"],
        "theme": ["Benefits", "Challenges"],
        "parent_theme": ["", ""],
        "level": ["theme", "theme"],
        "n_interviews": [8, 5],
        "of": [10, 10],
        "Lead DCS (n=6)": ["5 (most)", "<3"],
        "Lead member (n=4)": ["3 (most)", "3 (most)"],
    }
)
STANCE = {"Sharing practice": {"positive": 6, "negative": 1, "mixed": 3}, "Cost": {"negative": 4}}


@pytest.mark.parametrize(
    ("stance", "keys"),
    [
        (None, ["theme_prevalence", "group_prevalence"]),
        ({}, ["theme_prevalence", "group_prevalence"]),
        (STANCE, ["theme_prevalence", "group_prevalence", "stance"]),
    ],
)
def test_when_stance_reportable_or_not_then_stance_chart_drawn_or_left_out(stance, keys):
    charts, _ = build_charts(PREVALENCE, 3, stance=stance)
    assert [c.key for c in charts] == keys
    assert all(c.alt and c.png.startswith(b"\x89PNG") for c in charts)


def test_when_stance_count_under_k_then_withheld_in_series_and_alt_text():
    series = stance_series(STANCE, 3)
    row = series[(series["label"] == "Sharing practice") & (series["stance"] == "negative")]
    assert row["interviews"].isna().all()
    charts, _ = build_charts(PREVALENCE, 3, stance=STANCE)
    alt = charts[-1].alt
    assert "Sharing practice: positive 6, mixed 3, negative withheld, neutral 0" in alt
    assert "Cost: positive 0, mixed 0, negative 4" in alt


def test_when_charts_drawn_twice_then_bytes_identical():
    first, _ = build_charts(PREVALENCE, 3, stance=STANCE)
    again, _ = build_charts(PREVALENCE, 3, stance=STANCE)
    assert [c.png for c in first] == [c.png for c in again]
