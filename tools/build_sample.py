"""Render the authored sample interviews into transcript files, metadata and gold annotations.

Each interview is written once as YAML (``tools/sample_source/INTxx.yaml``, see
``WRITING_BRIEF.md``); this script renders it in the format that ``plan.json`` assigns
(several ``.txt`` label styles, one ``.md``, Microsoft Teams ``.vtt``, ``.docx`` with bold
labels), in a few encodings, and writes ``transcripts_sample/metadata.csv`` and the gold
files under ``transcripts_sample/gold/``.  Gold turn indices come from the authored turn
list, independently of ``pipeline.ingest``; the tests check that ingest agrees.

Usage: ``python tools/build_sample.py`` (deterministic; re-run after editing a source).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import textwrap
from pathlib import Path

import yaml
from docx import Document

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = HERE / "sample_source"
OUT = ROOT / "transcripts_sample"

# per-interview rendering twists
PREAMBLE = {"INT03", "INT21", "INT29"}
ENCODING = {"INT12": "cp1252", "INT15": "utf-8-sig"}
CRLF = {"INT19", "INT41"}
HARD_WRAP = {"int_r"}  # styles whose text lines are wrapped at 88 columns
NAME_LABEL_DOCX = {"INT11", "INT25", "INT33", "INT42"}  # docx with real-name labels
FIRST_NAME_UPPER = {"INT28"}  # names style using upper-case first names

ROLE_LABELS = {
    "interviewer_respondent": {"I": "Interviewer", "R": "Respondent", "R2": "Respondent 2"},
    "int_r": {"I": "INT", "R": "R", "R2": "R2"},
    "q_a": {"I": "Q", "R": "A", "R2": "A2"},
    "timestamped": {"I": "Interviewer", "R": "Respondent", "R2": "Respondent 2"},
    "bold": {"I": "Interviewer", "R": "Respondent", "R2": "Respondent 2"},
}


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


class Renderer:
    """Render one authored interview in its planned format."""

    def __init__(self, doc: dict, plan: dict) -> None:
        """Keep the source and the plan entry."""
        self.doc = doc
        self.plan = plan
        self.iid = doc["interview_id"]
        self.kind, self.style = plan["format"].split(":")
        self.speakers = doc["speakers"]
        self.labels_used: set[str] = set()

    def label(self, key: str) -> str:
        """The speaker label this file uses for speaker ``key``."""
        name = self.speakers[key]["name"]
        if self.style == "names" or (self.kind == "docx" and self.iid in NAME_LABEL_DOCX):
            lab = name.split()[0].upper() if self.iid in FIRST_NAME_UPPER else name
        elif key in ROLE_LABELS.get(self.style, {}):
            lab = ROLE_LABELS[self.style][key]
        else:
            lab = name  # a third person is labelled by name in every style
        if lab not in ROLE_LABELS.get(self.style, {}).values():
            self.labels_used.add(lab)  # a label that is a name is an identifier too
        return lab

    def preamble(self) -> list[str]:
        """Header lines before the first turn (a few files only)."""
        if self.iid not in PREAMBLE:
            return []
        p = self.plan
        return [
            "Evaluation of the sector-led peer challenge programme",
            f"Telephone interview with a {p['role'].lower()}, {p['region']}",
            f"Date {p['interview_date']}, recorded with consent, transcribed verbatim.",
            "",
        ]

    def timestamps(self) -> list[tuple[float, float]]:
        """Start and end seconds of each turn (about 2.6 words a second, short gaps)."""
        t = 4.0
        out = []
        for turn in self.doc["turns"]:
            dur = max(1.5, len(turn["text"].split()) / 2.6)
            out.append((t, t + dur))
            t += dur + 0.8
        return out

    def render_text(self) -> str:
        """.txt and .md styles."""
        lines = self.preamble()
        times = self.timestamps()
        for i, turn in enumerate(self.doc["turns"]):
            lab = self.label(turn["s"])
            paras = _paragraphs(turn["text"])
            if self.style == "timestamped":
                t = times[i][0]
                for j, para in enumerate(paras):
                    stamp = f"[{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{int(t % 60):02d}]"
                    lines.append(f"{stamp} {lab}: {para}")
                    t += len(para.split()) / 2.6
                    if j == len(paras) - 1:
                        lines.append("")
                continue
            if self.style == "bold":
                first = f"**{lab}:** {paras[0]}"
            else:
                first = f"{lab}: {paras[0]}"
            chunks = [first, *paras[1:]]
            for chunk in chunks:
                if self.style in HARD_WRAP:
                    lines.extend(textwrap.wrap(chunk, 88, break_on_hyphens=False))
                else:
                    lines.append(chunk)
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def render_vtt(self) -> str:
        """Microsoft Teams style WebVTT: cue ids, voice tags, turns split over cues."""
        out = ["WEBVTT", ""]
        times = self.timestamps()
        seed = int(hashlib.sha256(self.iid.encode()).hexdigest()[:8], 16)
        n = 0
        for i, turn in enumerate(self.doc["turns"]):
            name = self.speakers[turn["s"]]["name"]
            self.labels_used.add(name)
            words = " ".join(_paragraphs(turn["text"])).split()
            size = 9 + (seed + i) % 7
            chunks = [words[k : k + size] for k in range(0, len(words), size)]
            start, end = times[i]
            step = (end - start) / len(chunks)
            for k, chunk in enumerate(chunks):
                a, b = start + k * step, start + (k + 1) * step - 0.05
                cue_id = (
                    f"{hashlib.sha256(f'{self.iid}-{n}'.encode()).hexdigest()[:8]}-"
                    f"{hashlib.sha256(f'{self.iid}'.encode()).hexdigest()[8:12]}/{n + 11}-0"
                )
                out += [
                    cue_id,
                    f"{_vtt_time(a)} --> {_vtt_time(b)}",
                    f"<v {name}>{' '.join(chunk)}</v>",
                    "",
                ]
                n += 1
        return "\n".join(out)

    def render_docx(self) -> bytes:
        """Word document: a title, optional preamble, bold speaker labels."""
        d = Document()
        d.core_properties.author = "qualeval sample"
        d.core_properties.created = __import__("datetime").datetime(2013, 6, 1)
        d.core_properties.modified = __import__("datetime").datetime(2013, 6, 1)
        for line in self.preamble():
            if line:
                d.add_paragraph(line)
        for turn in self.doc["turns"]:
            lab = self.label(turn["s"])
            paras = _paragraphs(turn["text"])
            p = d.add_paragraph()
            p.add_run(f"{lab}:").bold = True
            p.add_run(f" {paras[0]}")
            for para in paras[1:]:
                d.add_paragraph(para)
        buf = io.BytesIO()
        d.save(buf)
        return _normalise_zip(buf.getvalue())

    def file_name(self) -> str:
        """File name of the rendered transcript."""
        ext = {"txt": ".txt", "md": ".md", "vtt": ".vtt", "docx": ".docx"}[self.kind]
        stem = {"vtt": "teams", "docx": "transcript"}.get(self.kind, "interview")
        return f"{self.iid.lower()}_{stem}{ext}"


def _vtt_time(s: float) -> str:
    ms = round(s * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a .docx zip with fixed timestamps so that rebuilding is byte-identical."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2013, 6, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def _cp1252_text(s: str) -> str:
    return s.replace("'", "\u2019")


def main(argv: list[str] | None = None) -> int:
    """Render every authored interview (``--out DIR`` renders elsewhere, for checks)."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    out_root = ap.parse_args(argv).out
    plan = {p["interview_id"]: p for p in json.loads((SRC / "plan.json").read_text())}
    sources = sorted(SRC.glob("INT*.yaml"))
    if not sources:
        print("no sources in", SRC, file=sys.stderr)
        return 1
    tdir = out_root / "transcripts"
    gdir = out_root / "gold"
    tdir.mkdir(parents=True, exist_ok=True)
    gdir.mkdir(parents=True, exist_ok=True)
    for old in tdir.iterdir():
        old.unlink()
    meta_rows, gold_codes, gold_pii = [], [], []
    for path in sources:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        iid = doc["interview_id"]
        p = plan[iid]
        r = Renderer(doc, p)
        name = r.file_name()
        if r.kind == "vtt":
            (tdir / name).write_text(r.render_vtt(), encoding="utf-8", newline="\n")
        elif r.kind == "docx":
            (tdir / name).write_bytes(r.render_docx())
        else:
            text = r.render_text()
            enc = ENCODING.get(iid, "utf-8")
            if enc == "cp1252":
                text = _cp1252_text(text)
            newline = "\r\n" if iid in CRLF else "\n"
            (tdir / name).write_bytes(text.replace("\n", newline).encode(enc))
        fix = _cp1252_text if ENCODING.get(iid) == "cp1252" else (lambda s: s)
        meta_rows.append(
            {
                "interview_id": iid,
                "file": name,
                "role": p["role"],
                "region": p["region"],
                "council_type": p["council_type"],
                "interview_date": p["interview_date"],
                "interviewer": p["interviewer"],
            }
        )
        for idx, turn in enumerate(doc["turns"]):
            if doc["speakers"][turn["s"]]["role"] != "respondent":
                continue
            gold_codes.append(
                {
                    "interview_id": iid,
                    "turn_index": idx,
                    "codes": sorted(turn.get("codes") or []),
                    "starts_with": fix(" ".join(turn["text"].split()[:6])),
                }
            )
        remove = list(dict.fromkeys([*doc["pii"]["must_remove"], *sorted(r.labels_used)]))
        gold_pii.append(
            {
                "interview_id": iid,
                "must_remove": [fix(s) for s in remove],
                "must_keep": [fix(s) for s in doc["pii"]["must_keep"]],
            }
        )
    with (out_root / "metadata.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(meta_rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(meta_rows)
    for name, rows in (("gold_codes.jsonl", gold_codes), ("gold_pii.jsonl", gold_pii)):
        (gdir / name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    print(f"rendered {len(sources)} interviews into {tdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
