"""Page images of the printed report: the PDF headless Chromium printed, page by page.

    python tools/page_screenshots.py outputs/report/report.pdf docs/screenshots 1 3 7

writes ``page_<n>.png`` for each page number given (1-based), at 80 dpi. Needs pypdfium2
(``pip install -e .[dev]``). For docs/screenshots/ only: the pipeline never runs this.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    """Render the requested pages of ``argv[0]`` into the folder ``argv[1]``."""
    import pypdfium2

    pdf, folder, pages = Path(argv[0]), Path(argv[1]), [int(a) for a in argv[2:]]
    folder.mkdir(parents=True, exist_ok=True)
    doc = pypdfium2.PdfDocument(str(pdf))
    for n in pages:
        image = doc[n - 1].render(scale=80 / 72).to_pil()
        image.save(folder / f"page_{n}.png", optimize=True)


if __name__ == "__main__":
    main(sys.argv[1:])
