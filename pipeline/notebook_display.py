"""Figures in the notebooks, each with a text alternative.

nbconvert's HTML exporter gives every image without one the words "No description has been
provided for this image" (and warns); a screen-reader user of the rendered notebook learns
nothing from that. :func:`show_figure` displays a matplotlib figure as an ``<img>`` that
carries the alternative the notebook writes from its data, with the PNG beside it for
frontends that prefer it. The PNG is written without a software chunk, so the same figure
gives the same bytes on every run.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any


def figure_png(fig: Any) -> bytes:
    """The figure as PNG bytes, cropped as the notebook's inline display crops it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def figure_bundle(png: bytes, alt: str) -> dict[str, str]:
    """The display bundle: an ``<img>`` with ``alt`` (what HTML pages show) and the PNG."""
    data = base64.b64encode(png).decode("ascii")
    text = escape(" ".join(alt.split()), quote=True)
    html = f'<img alt="{text}" src="data:image/png;base64,{data}">'
    return {"text/html": html, "image/png": data}


def show_figure(fig: Any, alt: str) -> None:
    """Display ``fig`` with the text alternative ``alt``, then close it (shown once only)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    bundle = figure_bundle(figure_png(fig), alt)
    plt.close(fig)
    display(bundle, raw=True)
