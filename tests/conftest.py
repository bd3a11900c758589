"""Shared fixtures: the repository root, the sample, tiny transcript builders."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "transcripts_sample"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")


def make_docx(paragraphs: list[tuple[str | None, str]]) -> bytes:
    """A .docx whose paragraphs are (bold label or None, text)."""
    from docx import Document

    doc = Document()
    for label, text in paragraphs:
        p = doc.add_paragraph()
        if label:
            p.add_run(f"{label}:").bold = True
            p.add_run(f" {text}")
        else:
            p.add_run(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE / "metadata.csv").is_file():
        pytest.fail("transcripts_sample/metadata.csv is missing: run `make sample`")
    return SAMPLE
