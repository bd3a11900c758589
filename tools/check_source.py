"""Check authored sample interviews (``tools/sample_source/INTxx.yaml``) against the rules.

Usage: ``python tools/check_source.py tools/sample_source/INT07.yaml [...]`` (no args: all).
Exits non-zero and lists every problem found.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LABELISH = re.compile(r"^\s*[A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,3}\s*:")


def code_ids() -> set[str]:
    """Child code ids of the sample codebook."""
    cb = yaml.safe_load((ROOT / "codebook/codebook.yaml").read_text(encoding="utf-8"))
    return {c["id"] for c in cb["codes"] if c.get("parent")}


def check(path: Path, plan: dict[str, dict], codes: set[str]) -> list[str]:
    """Return the problems found in one source file."""
    errs: list[str] = []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [f"YAML does not parse: {exc}"]
    iid = doc.get("interview_id")
    if iid != path.stem or iid not in plan:
        errs.append(f"interview_id {iid!r} must equal the file stem and be in plan.json")
    spk = doc.get("speakers") or {}
    if "I" not in spk or "R" not in spk:
        errs.append("speakers must define I and R")
    for key, s in spk.items():
        if (
            not isinstance(s, dict)
            or not s.get("name")
            or s.get("role") not in {"interviewer", "respondent", "other"}
        ):
            errs.append(f"speakers.{key} needs name and role (interviewer/respondent/other)")
    turns = doc.get("turns") or []
    if len(turns) < 8:
        errs.append("fewer than 8 turns")
    words = 0
    prev = None
    all_text = []
    for i, t in enumerate(turns):
        s = t.get("s")
        text = t.get("text")
        if s not in spk:
            errs.append(f"turns[{i}].s {s!r} is not a defined speaker")
            continue
        if not isinstance(text, str) or not text.strip():
            errs.append(f"turns[{i}] has no text")
            continue
        if i == 0 and s != "I":
            errs.append("the first turn must be the interviewer's")
        if s == prev:
            errs.append(f"turns[{i}] has the same speaker as turns[{i - 1}]: merge them")
        prev = s
        words += len(text.split())
        all_text.append(text)
        for ln in text.splitlines():
            if LABELISH.match(ln):
                errs.append(f"turns[{i}] has a line that looks like a speaker label: {ln[:40]!r}")
        role = spk[s].get("role")
        if role == "respondent":
            if not isinstance(t.get("codes"), list):
                errs.append(f"turns[{i}] (respondent) needs a codes list (may be empty)")
            else:
                bad = [c for c in t["codes"] if c not in codes]
                if bad:
                    errs.append(f"turns[{i}] unknown codes {bad}")
        elif t.get("codes"):
            errs.append(f"turns[{i}] codes are only for respondent turns")
    if not 850 <= words <= 1950:
        errs.append(f"{words} words; aim for 900-1800")
    body = "\n".join(all_text)
    pii = doc.get("pii") or {}
    for key in ("must_remove", "must_keep"):
        for item in pii.get(key) or []:
            if not re.search(r"(?<!\w)" + re.escape(str(item)) + r"(?!\w)", body):
                errs.append(f"pii.{key} {item!r} does not occur (exact, whole word) in the turns")
    if len(pii.get("must_remove") or []) < 6:
        errs.append("pii.must_remove should list at least 6 identifiers")
    got = {c for t in turns for c in (t.get("codes") or [])}
    if iid in plan:
        missing = set(plan[iid]["planned_codes"]) - got
        if missing:
            errs.append(f"planned codes never coded: {sorted(missing)}")
    return errs


def main(argv: list[str]) -> int:
    """Check files and print a report."""
    plan = {
        p["interview_id"]: p for p in json.loads((HERE / "sample_source/plan.json").read_text())
    }
    codes = code_ids()
    paths = [Path(a) for a in argv] or sorted((HERE / "sample_source").glob("INT*.yaml"))
    bad = 0
    for p in paths:
        errs = check(p, plan, codes)
        if errs:
            bad += 1
            print(f"{p.name}: {len(errs)} problem(s)")
            for e in errs:
                print(f"  - {e}")
        else:
            print(f"{p.name}: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
