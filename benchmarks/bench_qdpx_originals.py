"""Coding over the original transcripts, mapped back through ingest's provenance.

Usage: ``python benchmarks/bench_qdpx_originals.py --work DIR`` where ``DIR`` is a project a
pipeline run has filled (``outputs/`` and ``private/``, e.g. ``bench_dev_eval.py --work``).

Simulates a colleague who imported each plain-text transcript (``.txt``/``.md``) into a QDA
program and coded, in every respondent turn, its first 60 characters as found in the file,
with a leaf code chosen in turn. Writes that as a ``.qdpx`` and imports it with
``import_project(..., raw_turns=private/turns.parquet)``; prints the share of codings mapped
to the turn they were made on, the turns lost in alignment, and the report's reasons.
Not part of the test suite (it needs a pipeline run's private folder).
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import refi  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.evaluator_files.qdpx import import_project  # noqa: E402

NS = refi.PROJECT_NS
HUMAN = "11111111-2222-3333-4444-555555555555"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def build(transcripts: Path, book, raw: pd.DataFrame, out: Path) -> list[tuple[str, int, str]]:
    """Write the simulated project; return what was coded: (interview, turn, code)."""
    leaves = [c.id for c in book.leaves()]
    root = ET.Element(_q("Project"), {"name": "originals", "origin": "bench"})
    cb = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
    for c in book.leaves():
        ET.SubElement(cb, _q("Code"), {"guid": refi.guid("code", c.id), "name": c.label})
    sources = ET.SubElement(root, _q("Sources"))
    coded, k = [], 0
    for f, grp in raw.groupby("source_file"):
        path = transcripts / str(f)
        if path.suffix.lower() not in (".txt", ".md") or not path.is_file():
            continue
        data = path.read_bytes()
        try:  # as a QDA program would: UTF-8, else the Windows code page
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        text = text.replace("\r\n", "\n")  # XML keeps no CR in PlainTextContent
        src = ET.SubElement(sources, _q("TextSource"), {"guid": refi.guid("b", f), "name": f})
        ET.SubElement(src, _q("PlainTextContent")).text = text
        cursor = 0
        for row in grp.sort_values("turn_index").itertuples():
            quote = str(row.text)[:60]
            at = text.find(quote, cursor)
            if row.speaker_role != "respondent" or at < 0:
                continue
            cursor = at
            code = leaves[k % len(leaves)]
            k += 1
            attrs = {"guid": refi.guid("s", f, row.turn_index), "startPosition": str(at)}
            attrs["endPosition"] = str(at + len(quote))
            sel = ET.SubElement(src, _q("PlainTextSelection"), attrs)
            coding = ET.SubElement(sel, _q("Coding"), {"guid": attrs["guid"]})
            ET.SubElement(coding, _q("CodeRef"), {"targetGUID": refi.guid("code", code)})
            coded.append((str(row.interview_id), int(row.turn_index), code))
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("project.qde", ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return coded


def main() -> None:
    """Build, import, score; print one JSON document."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--transcripts", type=Path, help="default: WORK/transcripts")
    ap.add_argument("--codebook", type=Path, help="default: WORK/codebook.yaml")
    args = ap.parse_args()
    work = args.work
    book = load_codebook(args.codebook or work / "codebook.yaml")
    raw = pd.read_parquet(work / "private" / "turns.parquet")
    turns = pd.read_parquet(work / "outputs" / "anonymised" / "turns.parquet")
    path = work / "originals.qdpx"
    coded = build(args.transcripts or work / "transcripts", book, raw, path)
    got = import_project(path, book, turns, raw_turns=raw)
    mapped = set(map(tuple, got.codings[["interview_id", "turn_index", "code_id"]].values.tolist()))
    right = sum(c in mapped for c in coded)
    print(
        json.dumps(
            {
                "codings_made": len(coded),
                "mapped_to_their_turn": right,
                "share": round(right / len(coded), 4) if coded else None,
                "extra_turns": len(mapped - set(coded)),
                "report": got.report["problem"].str.split(":").str[0].value_counts().to_dict(),
                "command": "python benchmarks/bench_qdpx_originals.py " + " ".join(sys.argv[1:]),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
