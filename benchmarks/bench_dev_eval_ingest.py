"""Ingest on the development evaluation set: turn counts and respondent turns against its gold.

Usage: ``python benchmarks/bench_dev_eval_ingest.py [--data DIR] [--params FILE]``

Runs the ingest stage (in memory, strict off) on ``../shared/data/dev_eval`` (or ``--data``)
with the default parameters (an empty params file, or ``--params``), then compares, per
interview, the number of turns and of respondent turns with the README's "Per interview"
table, and each respondent turn's text with the gold ``text_start`` of
``gold/gold_codes.jsonl``. Prints one line per interview, every mismatch (interview, turn
index, expected vs got, at most the first 60 characters of text, i.e. the gold's own
``text_start``) and a summary; exits 1 when anything differs. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.errors import QualevalError  # noqa: E402
from pipeline.ingest import ingest, read_metadata  # noqa: E402
from pipeline.params import load_params  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev_eval"
_ROW = re.compile(r"^\|\s*(FH\d+)\s*\|[^|]*\|\s*\d+\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|")


def expected_counts(readme: Path) -> dict[str, tuple[int, int]]:
    """``interview_id -> (turns, respondent turns)`` from the README's "Per interview" table."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("Per interview:", 1)[-1]
    out = {}
    for line in section.splitlines():
        m = _ROW.match(line)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def gold_starts(path: Path) -> dict[tuple[str, int], str]:
    """``(interview_id, turn_index) -> text_start`` of every gold respondent turn."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[(row["interview_id"], int(row["turn_index"]))] = row["text_start"]
    return out


def _compare(turns, counts, gold) -> list[str]:
    """Mismatch lines (counts per interview, then respondent turns against the gold)."""
    problems = []
    for iid, (n_turns, n_resp) in sorted(counts.items()):
        mine = turns[turns["interview_id"] == iid]
        resp = mine[mine["speaker_role"] == "respondent"]
        got = (len(mine), len(resp))
        status = "ok" if got == (n_turns, n_resp) else "MISMATCH"
        print(f"{iid}: turns {got[0]}/{n_turns}, respondent turns {got[1]}/{n_resp} {status}")
        if status != "ok":
            problems.append(f"{iid}: counts {got} != expected {(n_turns, n_resp)}")
    resp = turns[turns["speaker_role"] == "respondent"]
    mine = {(r.interview_id, int(r.turn_index)): r.text for r in resp.itertuples()}
    for key, start in sorted(gold.items()):
        text = mine.get(key)
        if text is None:
            problems.append(f"{key[0]} turn {key[1]}: no respondent turn (gold {start!r})")
        elif not text.startswith(start):
            problems.append(f"{key[0]} turn {key[1]}: {text[:60]!r} != gold {start!r}")
    for key in sorted(set(mine) - set(gold)):
        problems.append(f"{key[0]} turn {key[1]}: respondent turn not in the gold")
    return problems


def main() -> int:
    """Run the measurement; 0 when everything matches, 1 otherwise, 2 without the data."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--params", type=Path, help="params file (default: built-in defaults)")
    args = ap.parse_args()
    data = args.data
    if not (data / "transcripts").is_dir() or not (data / "README.md").is_file():
        print(
            f"{data}: the development evaluation set is not there. It lives outside this "
            "repository, in ../shared/data/dev_eval (transcripts/, metadata.csv, README.md, "
            "gold/gold_codes.jsonl); put a copy there or pass --data DIR. The test suite does "
            "not need it.",
            file=sys.stderr,
        )
        return 2
    params = load_params(args.params).ingest.model_copy(update={"strict": False})
    try:
        res = ingest(data / "transcripts", read_metadata(data / "metadata.csv"), params)
    except QualevalError as exc:
        print(f"ingest failed: {exc}", file=sys.stderr)
        return 1
    for rej in res.rejects.itertuples():
        print(f"REJECTED {rej.file}: {rej.reason}: {rej.message}")
    counts = expected_counts(data / "README.md")
    problems = _compare(res.turns, counts, gold_starts(data / "gold" / "gold_codes.jsonl"))
    problems += [f"rejected: {r}" for r in res.rejects["file"]]
    for p in problems:
        print(p)
    n = len(res.interviews)
    print(f"{n}/{len(counts)} interviews ingested, {len(problems)} mismatch(es)")
    return 1 if problems or n != len(counts) else 0


if __name__ == "__main__":
    sys.exit(main())
