"""Tests for pipeline.report.pdf: the PDF printed in the background by a (here fake) browser."""

from __future__ import annotations

import stat
import sys
import textwrap
import time

import pytest

from pipeline.errors import QualevalError
from pipeline.report import pdf as P

# a stand-in browser: copies the page it is given into --print-to-pdf as a "PDF" with a date
FAKE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from urllib.parse import urlparse
    args = sys.argv[1:]
    mode = Path(__file__).with_suffix(".mode").read_text().strip()
    out = next(a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf="))
    page = Path(urlparse(args[-1]).path).read_text()
    if mode == "slow":
        time.sleep(30)
    if mode == "fail":
        sys.stderr.write("no display\\n")
        sys.exit(3)
    if mode != "silent":
        Path(out).write_bytes(b"%PDF /CreationDate (D:20261203101010+00'00') " + page.encode())
    """
)


@pytest.fixture
def browser(tmp_path):
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE, encoding="utf-8")
    exe = tmp_path / "fake-browser"
    exe.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)

    def with_mode(mode: str) -> str:
        script.with_suffix(".mode").write_text(mode, encoding="utf-8")
        return str(exe)

    return with_mode


@pytest.mark.parametrize(
    ("mode", "error"),
    [("ok", None), ("fail", r"printed no PDF \(exit 3\): no display"), ("silent", "no PDF")],
)
def test_when_printing_finishes_then_pdf_written_or_error_named(tmp_path, browser, mode, error):
    out = tmp_path / "report.pdf"
    printing = P.Printing("<p>page</p>", out, browser(mode))
    if error is None:
        printing.finish()
        data = out.read_bytes()
        assert data.endswith(b"<p>page</p>") and P.FIXED_PDF_DATE in data
        assert len(data) == len(b"%PDF /CreationDate (D:20261203101010+00'00') <p>page</p>")
    else:
        with pytest.raises(QualevalError, match=error):
            printing.finish()
        assert not out.exists()


def test_when_printed_from_a_file_then_same_bytes_as_from_its_text(tmp_path, browser):
    page = tmp_path / "elsewhere" / "report.html"
    page.parent.mkdir()
    page.write_text("<h1>Findings</h1>", encoding="utf-8")
    P.print_pdf(page, tmp_path / "a.pdf", browser("ok"))
    P.Printing("<h1>Findings</h1>", tmp_path / "b.pdf", browser("ok")).finish()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_when_cancelled_then_browser_stopped_and_nothing_written(tmp_path, browser):
    printing = P.Printing("<p>x</p>", tmp_path / "r.pdf", browser("slow"))
    started = time.perf_counter()
    printing.cancel()
    assert time.perf_counter() - started < 10
    assert printing._proc.poll() is not None and not (tmp_path / "r.pdf").exists()


def test_when_browser_cannot_start_then_finish_names_it(tmp_path):
    printing = P.Printing("<p>x</p>", tmp_path / "r.pdf", str(tmp_path / "no-such-browser"))
    with pytest.raises(QualevalError, match="could not print the report"):
        printing.finish()
