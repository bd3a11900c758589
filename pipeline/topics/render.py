"""BERTopic's interactive charts as stable, self-contained HTML pages."""

from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING, Any

from pipeline.topics.model import quiet

if TYPE_CHECKING:
    from pipeline.topics.core import TopicsResult

log = logging.getLogger(__name__)

PLOTLY_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", flags=re.IGNORECASE
)


def _placeholder_page(title: str, reason: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p>Not drawn: {html.escape(reason)}</p>\n</body></html>\n"
    )


def stable_html(fig: Any, div_id: str) -> str:
    """Self-contained plotly HTML (plotly.js inlined) with no random ids."""
    text = fig.to_html(include_plotlyjs=True, full_html=True, div_id=div_id)
    return PLOTLY_ID.sub(div_id, text)


def visualisations(result: TopicsResult) -> dict[str, str]:
    """HTML of the topics map, bar chart and hierarchy (a short page where one cannot be drawn).

    Returns:
        ``{"map": html, "barchart": html, "hierarchy": html}``.
    """
    model = result.model
    topic_ids = [t for t in result.topics["topic_id"].tolist() if t != -1]
    n = len(topic_ids)
    pages: dict[str, str] = {}
    specs = {
        "map": ("Topics map", 3, lambda: model.visualize_topics(custom_labels=True)),
        "barchart": (
            "Topic keywords",
            1,
            lambda: model.visualize_barchart(
                topics=topic_ids, top_n_topics=None, n_words=5, custom_labels=True
            ),
        ),
        "hierarchy": ("Topic hierarchy", 2, lambda: model.visualize_hierarchy(custom_labels=True)),
    }
    if model is not None:
        labels = {t: result.labels[t] for t in sorted(result.labels)}
        with quiet():
            model.set_topic_labels(labels)
    for key, (title, need, draw) in specs.items():
        if model is None or n < need:
            pages[key] = _placeholder_page(title, f"{n} topic(s); this chart needs at least {need}")
            continue
        try:
            with quiet():
                fig = draw()
            pages[key] = stable_html(fig, f"qualeval-topics-{key}")
        except Exception as exc:  # a chart must never stop the run
            log.warning("%s could not be drawn (%s)", title, type(exc).__name__)
            pages[key] = _placeholder_page(
                title, f"BERTopic could not draw it ({type(exc).__name__})"
            )
    return pages
