"""Notebook figures carry a text alternative and give the same bytes on every run."""

from __future__ import annotations

import base64

import pytest

from pipeline.notebook_display import figure_bundle, figure_png


@pytest.mark.parametrize(
    ("alt", "expected"),
    [
        ("Bar chart: A 3; B 2.", 'alt="Bar chart: A 3; B 2."'),
        ('Quotes "and" <tags>', 'alt="Quotes &quot;and&quot; &lt;tags&gt;"'),
        ("two\n  lines", 'alt="two lines"'),
    ],
)
def test_when_figure_bundled_then_img_carries_the_escaped_alt(alt, expected):
    bundle = figure_bundle(b"\x89PNG", alt)
    assert expected in bundle["text/html"]
    assert bundle["image/png"] == base64.b64encode(b"\x89PNG").decode("ascii")
    assert bundle["image/png"] in bundle["text/html"]


def test_when_same_figure_drawn_twice_then_same_png_bytes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pngs = []
    for _ in range(2):
        fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
        ax.barh(["a", "b"], [1, 2])
        pngs.append(figure_png(fig))
        plt.close(fig)
    assert pngs[0] == pngs[1] and pngs[0].startswith(b"\x89PNG")
    assert b"Software" not in pngs[0]
