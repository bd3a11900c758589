"""Shared fixtures: the repository root, the sample, tiny transcript builders."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
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


# --- end to end: one `dvc repro` on the sample per test session, shared by every stage's tests
COPY = [
    "dvc.yaml",
    "params.yaml",
    ".dvc/config",
    ".dvc/.gitignore",
    "pipeline",
    "codebook",
    "transcripts_sample",
    "anonymisation",
    "notebooks",
    "evaluation",
]


def dvc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def repro(tmp_path_factory, sample_dir):
    """`dvc repro` once per test session in a scratch copy: (work dir, completed process)."""
    root = Path(__file__).resolve().parents[1]
    work = tmp_path_factory.mktemp("project")
    for rel in COPY:
        src = root / rel
        dst = work / rel
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    proc = dvc(work, "repro")
    return work, proc


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks (and names ids)
def pytest_collection_modifyitems(config, items):
    """Group tests for pytest-xdist's ``loadgroup``: one worker runs everything on the session
    ``dvc repro`` (so it is built once), and each other module stays on one worker (so a
    module-scoped model or corpus is built once)."""
    for item in items:
        shares_repro = "repro" in getattr(item, "fixturenames", ())
        group = "session-repro" if shares_repro else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))
