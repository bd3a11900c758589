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
    Printing(Path(html).read_text(encoding="utf-8"), Path(pdf), browser).finish()


class Printing:
    """A PDF being printed in the background from an HTML page's text (ADR 0044).

    The browser starts at once on a private copy of the page (the report's HTML is
    self-contained, so the PDF's bytes do not depend on where the page lies); the caller goes
    on with other work and :meth:`finish` waits for the browser and puts the PDF in place.
    """

    def __init__(self, html_text: str, pdf: Path, browser: str) -> None:
        """Start ``browser`` printing ``html_text``; :meth:`finish` writes ``pdf``."""
        self.pdf, self.browser = Path(pdf), browser
        self._folder = tempfile.TemporaryDirectory(prefix="qualeval-chromium-")
        folder = Path(self._folder.name)
        page = folder / "report.html"
        page.write_text(html_text, encoding="utf-8")
        self._printed = folder / "report.pdf"
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={folder / 'profile'}",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
            "--export-tagged-pdf",
            f"--print-to-pdf={self._printed}",
            page.resolve().as_uri(),
        ]
        self._stderr = folder / "stderr.txt"
        try:
            with self._stderr.open("wb") as err:
                self._proc: subprocess.Popen | None = subprocess.Popen(
                    cmd, stdout=subprocess.DEVNULL, stderr=err
                )
            self._error = ""
        except OSError as e:
            self._proc, self._error = None, str(e)

    def finish(self) -> None:
        """Wait for the browser and write the PDF with the fixed dates.

        Raises:
            QualevalError: when the browser fails or writes no PDF (its message).
        """
        try:
            self._finish()
        finally:
            self._folder.cleanup()

    def cancel(self) -> None:
        """Stop the browser (the PDF is not written) and remove the private copy."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._folder.cleanup()

    def _finish(self) -> None:
        pdf, browser = self.pdf, self.browser
        if self._proc is None:
            raise QualevalError(f"{pdf}: {browser} could not print the report: {self._error}")
        try:
            self._proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            self.cancel()
            raise QualevalError(f"{pdf}: {browser} could not print the report: {e}") from None
        printed = self._printed
        if self._proc.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            err = self._stderr.read_text(encoding="utf-8", errors="replace")
            tail = err.strip().splitlines()[-3:]
            raise QualevalError(
                f"{pdf}: {browser} printed no PDF (exit {self._proc.returncode}): "
                f"{' '.join(tail)}; set QUALEVAL_CHROMIUM to a working Chromium, or uninstall "
                "it to skip the PDF"
            )
        pdf.write_bytes(_fixed_dates(printed.read_bytes()))


def start_pdf(html_text: str, pdf: Path) -> Printing | None:
    """Start printing ``html_text`` to ``pdf`` if a browser is installed (None: no browser)."""
    browser = find_browser()
    if browser is None:
        log.info("no Chromium on this machine: report.pdf not written (report.html prints)")
        return None
    return Printing(html_text, pdf, browser)


def write_pdf(html: Path, pdf: Path) -> bool:
    """Print the report's HTML to ``pdf`` if a browser is installed; True when written."""
    printing = start_pdf(Path(html).read_text(encoding="utf-8"), pdf)
    if printing is None:
        return False
    printing.finish()
    return True
