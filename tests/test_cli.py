"""The command line: clean errors (no tracebacks) and `qualeval run` without DVC."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
GOOD = b"Interviewer: What worked for Marcus?\nRespondent: The networks.\n"


def _corpus(tmp_path):
    tdir = tmp_path / "in" / "transcripts"
    tdir.mkdir(parents=True)
    (tdir / "a.txt").write_bytes(GOOD)
    meta = tmp_path / "in" / "metadata.csv"
    meta.write_text("interview_id,file,role,region\nA,a.txt,Lead DCS,London\n")
    cb = tmp_path / "in" / "codebook.yaml"
    cb.write_text("codes:\n  - id: benefit\n    label: Benefits\n    definition: Good things.\n")
    return tdir, meta, cb


def _run(tdir, meta, cb, out, *extra):
    args = ["run", "--transcripts", str(tdir), "--metadata", str(meta), "--codebook", str(cb)]
    return runner.invoke(app, [*args, "--out", str(out), *extra])


def test_when_run_then_safe_files_in_out_and_raw_derived_in_private(tmp_path):
    tdir, meta, cb = _corpus(tmp_path)
    out = tmp_path / "share"
    res = _run(tdir, meta, cb, out)
    assert res.exit_code == 0, res.output
    assert json.loads((out / "metrics" / "ingest.json").read_text())["turns"] == 2
    priv = tmp_path / "private"
    assert pd.read_parquet(priv / "turns.parquet").text.tolist()[1] == "The networks."
    for f in out.rglob("*"):
        if f.is_file():
            assert "Marcus" not in f.read_text(errors="ignore"), f


def test_when_private_inside_out_then_refused(tmp_path):
    tdir, meta, cb = _corpus(tmp_path)
    out = tmp_path / "share"
    res = _run(tdir, meta, cb, out, "--private", str(out / "p"))
    assert res.exit_code == 2
    assert "lies inside --out" in res.output
    assert not out.exists()


def test_when_codebook_missing_then_refused_before_any_output(tmp_path):
    tdir, meta, _ = _corpus(tmp_path)
    res = _run(tdir, meta, tmp_path / "none.yaml", tmp_path / "o")
    assert res.exit_code == 2 and "codebook not found" in res.output
    assert not (tmp_path / "o").exists() and not (tmp_path / "private").exists()


def test_when_stage_module_gets_bad_metadata_then_one_line_error_no_traceback(tmp_path):
    tdir, meta, _ = _corpus(tmp_path)
    meta.write_text("interview_id,file\nA,a.txt\nA,a.txt\n")
    params = tmp_path / "params.yaml"
    params.write_text("ingest:\n  strict: false\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.ingest",
            "--transcripts",
            str(tdir),
            "--metadata",
            str(meta),
            "--turns",
            str(tmp_path / "p/t.parquet"),
            "--preamble",
            str(tmp_path / "p/pre.parquet"),
            "--interviews",
            str(tmp_path / "p/i.parquet"),
            "--rejects",
            str(tmp_path / "p/r.csv"),
            "--params",
            str(params),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "error:" in proc.stderr and "duplicate interview_id 'A'" in proc.stderr
    assert not (tmp_path / "p").exists()
