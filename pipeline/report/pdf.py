"""The report as PDF: the HTML printed by headless Chromium, where one is installed.

Chromium prints the HTML's print stylesheet (A4, landscape pages for wide tables) as a
tagged PDF with an outline from the headings. Its creation and modification dates are
overwritten with the fixed date, byte for byte the same length, so the file's bytes depend on
the HTML only. With no browser on the machine the PDF is simply not written (it is not a DVC
output); ``QUALEVAL_CHROMIUM`` names a browser binary explicitly.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import QualevalError

log = logging.getLogger(__name__)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 180
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:[0-9+\-Z']*\)")
FIXED_PDF_DATE = b"D:20000101000000+00'00'"


def find_browser() -> str | None:
    """The headless browser to print with: ``QUALEVAL_CHROMIUM``, else the first on PATH."""
    named = os.environ.get("QUALEVAL_CHROMIUM")
    if named:
        return named if Path(named).is_file() or shutil.which(named) else None
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def _fixed_dates(data: bytes) -> bytes:
    """``data`` with every PDF date replaced by the fixed one, of the same length."""

    def fix(m: re.Match[bytes]) -> bytes:
        old = m.group(0)
        head = old[: old.index(b"(") + 1]
        size = len(old) - len(head) - 1
        body = FIXED_PDF_DATE[:size].ljust(size, b" ")
        return head + body + b")"

    return _PDF_DATE.sub(fix, data)


def print_pdf(html: Path, pdf: Path, browser: str) -> None:
    """Print ``html`` to ``pdf`` with headless ``browser`` (A4 from the page's own CSS).

    Raises:
        QualevalError: when the browser fails or writes no PDF (its message, no traceback).
    """
    with tempfile.TemporaryDirectory(prefix="qualeval-chromium-") as profile:
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
            "--export-tagged-pdf",
            f"--print-to-pdf={pdf}",
            Path(html).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise QualevalError(f"{pdf}: {browser} could not print the report: {e}") from None
    if done.returncode != 0 or not Path(pdf).is_file() or Path(pdf).stat().st_size == 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise QualevalError(
            f"{pdf}: {browser} printed no PDF (exit {done.returncode}): {' '.join(tail)}; "
            "set QUALEVAL_CHROMIUM to a working Chromium, or uninstall it to skip the PDF"
        )
    Path(pdf).write_bytes(_fixed_dates(Path(pdf).read_bytes()))


def write_pdf(html: Path, pdf: Path) -> bool:
    """Print the report's HTML to ``pdf`` if a browser is installed; True when written."""
    browser = find_browser()
    if browser is None:
        log.info("no Chromium on this machine: report.pdf not written (report.html prints)")
        return False
    print_pdf(html, pdf, browser)
    return True
