"""The report's charts: prevalence by theme and by group, and stance, as PNGs with fixed bytes.

Drawn with matplotlib's Agg backend, a bundled font (DejaVu Sans) at fixed sizes, and no
``Software`` or date chunk in the PNG, so the same table gives the same bytes. Each chart
has its alt text (the values, in words) and the series behind it as a table (written as a
DVC plot). The series come from the protected theme prevalence table: a suppressed cell
(``<3``, ``[c]``) is left out of the chart and empty in its series. The stance chart (interviews
by stance towards each sub-theme, counts under k withheld) is drawn only when the stance stage's
measured accuracy makes stance reportable, as the prose states stance.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.disclosure import cell_value, group_size

log = logging.getLogger(__name__)

WIDTH_IN = 6.3  # fits A4 portrait between 2 cm margins
MAX_HEIGHT_IN = 7.0  # a chart and its caption fit one A4 portrait page
DPI = 150
BAR = "#1d4f91"
PALETTE = ("#1d4f91", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#85994b", "#5694ca")


@dataclass(frozen=True)
class Chart:
    """One chart: file stem, title, alt text, PNG bytes and its series."""

    key: str
    title: str
    alt: str
    png: bytes
    series: pd.DataFrame

    @property
    def file_name(self) -> str:
        """``theme_prevalence.png``."""
        return f"{self.key}.png"


def _pct(n: int, of: int) -> float:
    return round(100.0 * n / of, 1) if of else 0.0


def theme_series(prevalence: pd.DataFrame) -> pd.DataFrame:
    """One row per top-level theme: label, interviews, of, percent (table order)."""
    themes = prevalence[prevalence["level"] == "theme"]
    return pd.DataFrame(
        {
            "label": themes["theme"].astype(str).to_numpy(),
            "parent_theme": themes["parent_theme"].astype(str).to_numpy(),
            "interviews": themes["n_interviews"].astype(int).to_numpy(),
            "of": themes["of"].astype(int).to_numpy(),
            "percent": [_pct(int(n), int(o)) for n, o in zip(themes["n_interviews"], themes["of"])],
        }
    )


def group_series(prevalence: pd.DataFrame, k: int) -> pd.DataFrame:
    """One row per (theme, group): a suppressed count gives empty interviews and percent."""
    themes = prevalence[prevalence["level"] == "theme"]
    groups = [c for c in prevalence.columns if group_size(c) is not None]
    rows = []
    for rec in themes.to_dict("records"):
        for g in groups:
            n = int(group_size(g) or 0)
            v = cell_value(rec[g], k)
            count = v if isinstance(v, int) else None
            rows.append(
                {
                    "label": f"{rec['theme']} — {str(g).rsplit(' (n=', 1)[0]}",
                    "theme": str(rec["theme"]),
                    "group": str(g).rsplit(" (n=", 1)[0],
                    "interviews": count,
                    "of": n,
                    "percent": _pct(count, n) if count is not None else None,
                }
            )
    frame = pd.DataFrame(rows, columns=["label", "theme", "group", "interviews", "of", "percent"])
    return frame.astype({"interviews": "Int64", "of": "int64", "percent": "float64"})


def _figure(height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.titlesize": 10,
            "svg.hashsalt": "qualeval",
            "path.simplify": False,
        }
    )
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of interviews (%)")
    return fig, ax


def _png(fig: Any, title: str) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None, "Title": title})
    plt.close(fig)
    return buf.getvalue()


def theme_chart(series: pd.DataFrame, unit: str = "interviews") -> Chart:
    """Horizontal bars: the share of interviews raising each theme."""
    fig, ax = _figure(0.9 + 0.32 * max(len(series), 1))
    labels = series["label"].tolist()[::-1]
    values = series["percent"].tolist()[::-1]
    ax.barh(labels, values, color=BAR)
    for y, (v, n, of) in enumerate(
        zip(values, series["interviews"].tolist()[::-1], series["of"].tolist()[::-1])
    ):
        label = f"{v:.0f}% ({n} of {of})"
        if v > 70:  # inside the bar, in white, where the bar is long
            ax.text(v - 1, y, label, va="center", ha="right", fontsize=8, color="white")
        else:
            ax.text(v + 1, y, label, va="center", fontsize=8)
    ax.set_xlabel(f"Share of {unit} (%)")
    parts = [f"{r.label} {r.percent:.0f}% ({r.interviews} of {r.of})" for r in series.itertuples()]
    alt = f"Bar chart of the share of {unit} raising each theme: " + "; ".join(parts) + "."
    title = f"Share of {unit} raising each theme"
    return Chart("theme_prevalence", title, alt, _png(fig, title), series)


def _value_label(ax: Any, v: float, y: float) -> None:
    """``40%`` after a bar, or inside it in white where the bar nearly fills the axis."""
    inside = v > 88
    ax.text(
        v - 1 if inside else v + 1,
        y,
        f"{v:.0f}%",
        va="center",
        ha="right" if inside else "left",
        fontsize=6,
        color="white" if inside else "#0b0c0c",
    )


def group_chart(series: pd.DataFrame, unit: str = "interviews") -> Chart:
    """Grouped horizontal bars: each theme's share within each group (suppressed: no bar)."""
    themes = list(dict.fromkeys(series["theme"]))
    groups = list(dict.fromkeys(series["group"]))
    fig, ax = _figure(min(1.6 + 0.11 * len(themes) * max(len(groups), 1), MAX_HEIGHT_IN))
    height = 0.8 / max(len(groups), 1)
    for j, g in enumerate(groups):
        sub = series[series["group"] == g].set_index("theme")
        ys = [
            len(themes) - 1 - i + (len(groups) / 2 - j - 0.5) * height for i in range(len(themes))
        ]
        vals = [sub.at[t, "percent"] if t in sub.index else None for t in themes]
        shown = [(y, v) for y, v in zip(ys, vals) if v is not None and not pd.isna(v)]
        for y, v in zip(ys, vals):
            if v is None or pd.isna(v):  # a suppressed cell: said, not drawn
                ax.text(1, y, "withheld", va="center", fontsize=6, color="#505a5f")
            else:  # the value beside its bar, so a 0% bar is seen as 0, not as missing
                _value_label(ax, float(v), y)
        n = int(sub["of"].iloc[0]) if len(sub) else 0
        ax.barh(
            [y for y, _ in shown],
            [v for _, v in shown],
            height=height,
            color=PALETTE[j % len(PALETTE)],
            label=f"{g} (n={n})",
        )
    ax.set_yticks(range(len(themes)), themes[::-1])
    ax.set_xlabel(f"Share of {unit} in the group (%)")
    if groups:
        ax.legend(  # above the bars: below, it ran into the axis title on short charts
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=min(len(groups), 3),
            fontsize=7,
            frameon=False,
        )
    parts = []
    for t in themes:
        sub = series[series["theme"] == t]
        vals = [
            f"{r.group} {r.percent:.0f}%" if not pd.isna(r.percent) else f"{r.group} withheld"
            for r in sub.itertuples()
        ]
        parts.append(f"{t}: " + ", ".join(vals))
    alt = (
        f"Grouped bar chart of the share of {unit} in each group raising each theme "
        "(small counts withheld): " + "; ".join(parts) + "."
    )
    title = f"Share of {unit} raising each theme, by group"
    return Chart("group_prevalence", title, alt, _png(fig, title), series)


STANCES = ("positive", "mixed", "negative", "neutral")
STANCE_COLOURS = {"positive": "#00703c", "mixed": "#f47738", "negative": "#d4351c"}
STANCE_COLOURS["neutral"] = "#b1b4b6"


def stance_series(stance: dict[str, dict[str, int]], k: int) -> pd.DataFrame:
    """One row per (sub-theme, stance): interviews, or empty where the count is under ``k``."""
    rows = []
    for label, counts in stance.items():
        for st in STANCES:
            n = int(counts.get(st, 0))
            rows.append(
                {"label": label, "stance": st, "interviews": n if n == 0 or n >= k else None}
            )
    frame = pd.DataFrame(rows, columns=["label", "stance", "interviews"])
    return frame.astype({"interviews": "Int64"})


def stance_chart(series: pd.DataFrame, unit: str = "interviews") -> Chart:
    """Stacked bars: each sub-theme's interviews by stance (counts under k withheld)."""
    labels = list(dict.fromkeys(series["label"]))
    fig, ax = _figure(min(1.2 + 0.3 * len(labels), MAX_HEIGHT_IN))
    wide = series.pivot(index="label", columns="stance", values="interviews").reindex(labels)
    ax.set_xlim(0, max(float(wide.fillna(0).sum(axis=1).max() or 1), 1) * 1.05)
    ys, left = list(range(len(labels)))[::-1], [0.0] * len(labels)
    for st in STANCES:
        vals = [0.0 if pd.isna(v) else float(v) for v in wide[st]]
        ax.barh(ys, vals, left=left, color=STANCE_COLOURS[st], label=st)
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(ys, labels)
    ax.set_xlabel(f"{unit.capitalize()} (counts under the disclosure limit withheld)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=7, frameon=False)
    parts = []
    for label in labels:
        row = wide.loc[label]
        said = [f"{st} {'withheld' if pd.isna(row[st]) else int(row[st])}" for st in STANCES]
        parts.append(f"{label}: " + ", ".join(said))
    alt = f"Stacked bar chart of {unit} by stance towards each sub-theme: " + "; ".join(parts)
    title = f"Stance towards each sub-theme ({unit})"
    return Chart("stance", title, alt + ".", _png(fig, title), series)


def build_charts(
    prevalence: pd.DataFrame,
    k: int,
    unit: str = "interviews",
    stance: dict[str, dict[str, int]] | None = None,
) -> tuple[list[Chart], dict[str, pd.DataFrame]]:
    """The report's charts from the (protected) theme prevalence table, and their series.

    Returns:
        The charts (the by-group chart only when there is more than one group) and the
        series by catalogue key (``plot_theme_prevalence``, ``plot_group_prevalence``).
    """
    themes, groups = theme_series(prevalence), group_series(prevalence, k)
    charts = [theme_chart(themes, unit)]
    if groups["group"].nunique() > 1:
        charts.append(group_chart(groups, unit))
    if stance:
        charts.append(stance_chart(stance_series(stance, k), unit))
    return charts, {"plot_theme_prevalence": themes, "plot_group_prevalence": groups}
