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


def _prevalence(n_themes: int, n_groups: int) -> pd.DataFrame:
    themes = [f"Theme {i}" for i in range(n_themes)]
    frame = pd.DataFrame(
        {
            "code_id": [f"t{i}" for i in range(n_themes)],
            "theme": themes,
            "parent_theme": "",
            "level": "theme",
            "n_interviews": 9,
            "of": 12,
        }
    )
    for g in range(n_groups):
        frame[f"Group {g} (n=6)"] = ["0 (none)", "<3", "6 (all)", "3 (many)"][g % 4]
    return frame


@pytest.mark.parametrize(("n_themes", "n_groups"), [(2, 2), (6, 2), (6, 4), (12, 3)])
def test_when_group_chart_drawn_then_legend_clear_of_axis_title_and_zero_bars_labelled(
    monkeypatch, n_themes, n_groups
):
    from pipeline.report import charts as C

    seen = {}

    def keep(fig, title):
        fig.tight_layout()
        fig.canvas.draw()
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        seen[title] = (
            ax.get_legend().get_window_extent(renderer),
            ax.xaxis.label.get_window_extent(renderer),
            [t.get_text() for t in ax.texts],
        )
        return b"\x89PNG"

    monkeypatch.setattr(C, "_png", keep)
    C.group_chart(C.group_series(_prevalence(n_themes, n_groups), 3))
    legend, xlabel, texts = seen["Share of interviews raising each theme, by group"]
    assert not legend.overlaps(xlabel)
    assert "0%" in texts  # a group that raised a theme nowhere shows 0%, not a missing bar
    assert "withheld" in texts


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("london_borough (n=3)", "London borough (n=3)"),
        ("london_borough", "London borough"),
        ("parent/carer (n=3)", "parent/carer (n=3)"),
        ("All (n=12)", "All (n=12)"),
        ("n_interviews", "Interviews"),
    ],
)
def test_when_group_header_is_a_machine_value_then_printed_as_the_sample_profile_prints_it(
    name, expected
):
    from pipeline.report.printable import header

    assert header(name) == expected
