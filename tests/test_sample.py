"""The committed sample equals what its authoring sources render to (gold included)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_when_sample_rebuilt_from_sources_then_byte_identical(tmp_path, sample_dir):
    if not list((ROOT / "tools" / "sample_source").glob("INT*.yaml")):
        pytest.fail("tools/sample_source has no authored interviews")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_sample.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for rel in ["metadata.csv", "gold/gold_codes.jsonl", "gold/gold_pii.jsonl"]:
        assert filecmp.cmp(tmp_path / rel, sample_dir / rel, shallow=False), rel
    built = sorted(p.name for p in (tmp_path / "transcripts").iterdir())
    assert built == sorted(p.name for p in (sample_dir / "transcripts").iterdir())
    for name in built:
        assert filecmp.cmp(
            tmp_path / "transcripts" / name, sample_dir / "transcripts" / name, shallow=False
        ), name


def test_when_gold_pii_listed_then_every_string_occurs_in_its_transcript(sample_dir):
    import json

    from pipeline.ingest import ingest, read_metadata
    from pipeline.params import IngestParams

    res = ingest(
        sample_dir / "transcripts", read_metadata(sample_dir / "metadata.csv"), IngestParams()
    )
    labels = res.turns.groupby("interview_id").speaker_label.agg(" ".join)
    text = res.turns.groupby("interview_id").text.agg(" ".join)
    for line in (sample_dir / "gold" / "gold_pii.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        body = text[g["interview_id"]] + " " + labels[g["interview_id"]]
        for s in g["must_remove"] + g["must_keep"]:
            assert s in body, (g["interview_id"], s)


def test_when_gold_codes_read_then_every_id_is_a_child_code_of_the_sample_codebook(sample_dir):
    import json

    import yaml

    book = yaml.safe_load((ROOT / "codebook" / "codebook.yaml").read_text(encoding="utf-8"))
    children = {c["id"] for c in book["codes"] if c.get("parent")}
    used = set()
    for line in (sample_dir / "gold" / "gold_codes.jsonl").read_text(encoding="utf-8").splitlines():
        used.update(json.loads(line)["codes"])
    assert used <= children, used - children
    assert len(used) >= 25  # the sample exercises most of the codebook
