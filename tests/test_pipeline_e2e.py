"""End to end: `dvc repro` on the sample in a scratch copy of the project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

COPY = [
    "dvc.yaml",
    "params.yaml",
    ".dvc/config",
    ".dvc/.gitignore",
    "pipeline",
    "codebook",
    "transcripts_sample",
]


def _dvc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
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


@pytest.fixture(scope="module")
def repro(tmp_path_factory, sample_dir):
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
    proc = _dvc(work, "repro")
    return work, proc


def test_when_dvc_repro_on_sample_then_stages_succeed(repro):
    _, proc = repro
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_when_dvc_repro_then_private_turns_and_safe_metrics(repro, sample_dir):
    work, _ = repro
    turns = pd.read_parquet(work / "private" / "turns.parquet")
    meta = pd.read_csv(sample_dir / "metadata.csv")
    assert turns.interview_id.nunique() == len(meta)
    metrics = json.loads((work / "outputs" / "metrics" / "ingest.json").read_text())
    assert metrics["interviews"] == len(meta) and metrics["turns"] == len(turns)
    assert metrics["rejected_files"] == 0


def test_when_dvc_repro_then_outputs_hold_no_planted_identifier(repro, sample_dir):
    work, _ = repro
    gold = [
        json.loads(x) for x in (sample_dir / "gold" / "gold_pii.jsonl").read_text().splitlines()
    ]
    names = {s for g in gold for s in g["must_remove"] if len(s) > 3}
    for f in (work / "outputs").rglob("*"):
        if f.is_file():
            text = f.read_text(errors="ignore")
            assert not [n for n in names if n in text], f


def test_when_repro_again_then_nothing_reruns(repro):
    work, _ = repro
    proc = _dvc(work, "status")
    assert proc.returncode == 0
    assert "changed" not in proc.stdout, proc.stdout
