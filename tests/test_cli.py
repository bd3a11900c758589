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
    # built-in defaults: without --params, `run` would read the sample's ./params.yaml
    (tmp_path / "in" / "params.yaml").write_text("{}\n")
    return tdir, meta, cb


def _run(tdir, meta, cb, out, *extra):
    args = ["run", "--transcripts", str(tdir), "--metadata", str(meta), "--codebook", str(cb)]
    args += ["--params", str(meta.parent / "params.yaml")]
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


def test_when_run_then_anonymised_turns_and_gate_metrics_in_out(tmp_path):
    tdir, meta, cb = _corpus(tmp_path)
    out = tmp_path / "share"
    res = _run(tdir, meta, cb, out)
    assert res.exit_code == 0, res.output
    safe = pd.read_parquet(out / "anonymised" / "turns.parquet")
    assert safe.text.tolist()[0] == "What worked for [Person 1]?"
    assert json.loads((out / "metrics" / "verify.json").read_text())["passed"] is True
    assert (tmp_path / "private" / "anonymisation_key.json").is_file()


def test_when_verify_has_no_key_then_one_line_error(tmp_path):
    (tmp_path / "outputs").mkdir()
    res = runner.invoke(
        app,
        [
            "verify",
            "--outputs",
            str(tmp_path / "outputs"),
            "--key",
            str(tmp_path / "k.json"),
            "--report",
            str(tmp_path / "r.csv"),
            "--metrics",
            str(tmp_path / "m.json"),
        ],
    )
    assert res.exit_code == 2
    assert "pseudonym key not found; run the anonymise stage first" in res.output
    assert not (tmp_path / "m.json").exists()


def test_when_anonymise_gets_bad_decisions_then_error_and_nothing_written(tmp_path):
    tdir, meta, cb = _corpus(tmp_path)
    assert _run(tdir, meta, cb, tmp_path / "share").exit_code == 0
    priv = tmp_path / "private"
    bad = tmp_path / "decisions.csv"
    bad.write_text("text,entity_type,decision\nMarcus,person,maybe\n", encoding="utf-8")
    out = tmp_path / "again"
    res = runner.invoke(
        app,
        [
            "anonymise",
            "--turns",
            str(priv / "turns.parquet"),
            "--interviews",
            str(priv / "interviews.parquet"),
            "--decisions",
            str(bad),
            "--out-turns",
            str(out / "t.parquet"),
            "--out-interviews",
            str(out / "i.parquet"),
            "--key",
            str(out / "k.json"),
            "--review",
            str(out / "r.csv"),
            "--mentions",
            str(out / "m.parquet"),
            "--metrics",
            str(out / "x.json"),
        ],
    )
    assert res.exit_code == 2
    assert "decisions.csv: line 2: decision: 'maybe'" in res.output
    assert not out.exists()


def test_when_codebook_table_has_a_mistake_then_import_exits_2_naming_row_and_column(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["code", "parent", "definition"])
    wb.active.append(["benefit", "benfit", "What councils gained from the review."])
    wb.save(tmp_path / "cb.xlsx")
    res = runner.invoke(app, ["codebook-import", str(tmp_path / "cb.xlsx"), "--out", "x.yaml"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "row 2 (code benefit), column 'parent': unknown parent 'benfit'" in res.output


def test_when_codebook_exported_and_project_imported_then_commands_write_their_files(tmp_path):
    cb = tmp_path / "cb.qdc"
    res = runner.invoke(app, ["codebook-export", str(cb), "--codebook", "codebook/codebook.yaml"])
    assert res.exit_code == 0 and cb.read_bytes().startswith(b"<?xml")
    res = runner.invoke(app, ["import-qdpx", str(tmp_path / "none.qdpx"), "--out", "h.jsonl"])
    assert res.exit_code == 2 and "project not found" in res.output
