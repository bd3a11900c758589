"""The whole pipeline on ``../shared/data/dev_eval`` as a new user runs it: no params file.

Usage: ``python benchmarks/bench_dev_eval.py [--data DIR] [--work DIR] [--out FILE]``

Copies the set's transcripts, metadata and codebook into a scratch project (no
``params.yaml``, no register, no allow-list, no human codes), runs ``qualeval run`` there, and
scores what came out against the set's gold:

- ingest: interviews ingested of 12, respondent turns of 169;
- anonymisation: ``must_remove`` strings surviving (whole-word, case-sensitive) in the
  anonymised turns of their interview and anywhere under the shareable outputs; ``must_keep``
  strings (case-sensitive substrings, as the gold lists them) that occur in an interview's raw
  turns but not in its anonymised turns; whether the leak gate passed;
- coding: turn-level micro-F1, precision, recall and macro Cohen's kappa of the automatic
  turn codes against ``gold/gold_codes.jsonl`` over the gold's respondent turns.

Prints one JSON document and the command. Not part of the test suite (it needs ``../shared``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import agreement  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev_eval"
TEXT_SUFFIXES = {".md", ".html", ".csv", ".json", ".txt"}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _present(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) is not None


def copy_project(data: Path, work: Path) -> None:
    """Copy the set's transcripts, metadata and codebook into a scratch project folder."""
    shutil.copytree(data / "transcripts", work / "transcripts")
    shutil.copy(data / "metadata.csv", work / "metadata.csv")
    shutil.copy(data / "codebook.yaml", work / "codebook.yaml")


def run_pipeline(data: Path, work: Path) -> subprocess.CompletedProcess:
    """Copy the set into a scratch project and run ``qualeval run`` there (no params file)."""
    copy_project(data, work)
    qualeval = Path(sys.executable).with_name("qualeval")
    args = [str(qualeval), "run", "--transcripts", "transcripts", "--metadata", "metadata.csv"]
    args += ["--codebook", "codebook.yaml", "--out", "outputs", "--private", "private"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's pipeline, not the installed one
    return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, check=False)


# a JavaScript library bundled into an HTML file (plotly.js in the topic maps): its minified
# identifiers ("Jo()", "Kai") are code, not transcript text; the plot's data is kept
_VENDORED_SCRIPT = re.compile(r"<script[^>]*>\s*/\*\*?\s*\*?\s*plotly\.js v.*?</script>", re.S)


def _without_vendored_scripts(text: str) -> str:
    return _VENDORED_SCRIPT.sub("", text)


def score_anonymisation(data: Path, work: Path) -> dict:
    """Leaks and over-redaction against the set's PII gold, and the gate's verdict."""
    turns = pd.read_parquet(work / "outputs" / "anonymised" / "turns.parquet")
    by_iv = turns.groupby("interview_id")["text"].apply(lambda s: "\n".join(map(str, s)))
    raw_turns = pd.read_parquet(work / "private" / "turns.parquet")
    raw = raw_turns.groupby("interview_id")["text"].apply(lambda s: "\n".join(map(str, s)))
    shared = "\n".join(
        _without_vendored_scripts(p.read_text(encoding="utf-8", errors="ignore"))
        for p in sorted((work / "outputs").rglob("*"))
        if p.suffix in TEXT_SUFFIXES and p.is_file()
    )
    leaks, kept_removed, n_remove, n_keep = [], [], 0, 0
    for row in _jsonl(data / "gold" / "gold_pii.jsonl"):
        text = by_iv.get(row["interview_id"])
        if text is None:
            continue
        n_remove += len(row["must_remove"])
        n_keep += len(row["must_keep"])
        leaks += [t for t in row["must_remove"] if _present(t, text) or _present(t, shared)]
        # keep-terms are listed as they occur, also inside longer words ("health visitors");
        # one that occurs only in a file's header (never a turn) cannot be kept or removed
        keep = [t for t in row["must_keep"] if t in raw.get(row["interview_id"], "")]
        n_keep += len(keep) - len(row["must_keep"])
        kept_removed += [t for t in keep if t not in text]
    gate = json.loads((work / "outputs" / "metrics" / "verify.json").read_text())
    return {
        "must_remove_strings": n_remove,
        "surviving": len(leaks),
        "leak_rate": round(len(leaks) / max(n_remove, 1), 4),
        "surviving_terms": sorted(set(leaks)),
        "must_keep_strings": n_keep,
        "removed": len(kept_removed),
        "over_redaction": round(len(kept_removed) / max(n_keep, 1), 4),
        "removed_terms": sorted(set(kept_removed)),
        "gate_passed": bool(gate.get("passed")),
    }


def score_coding(
    data: Path, work: Path, gold_path: Path | None = None, codebook: Path | None = None
) -> dict:
    """Turn-level agreement of the automatic codes with the gold codes.

    ``gold_path`` and ``codebook`` default to the set's own (``data/gold``, ``data``).
    """
    gold = pd.DataFrame(_jsonl(gold_path or data / "gold" / "gold_codes.jsonl"))
    auto = pd.read_parquet(work / "outputs" / "coding" / "turn_codes.parquet")
    predicted = auto.groupby(["interview_id", "turn_index"])["code_id"].apply(set).to_dict()
    keys = list(zip(gold["interview_id"], gold["turn_index"].astype(int)))
    codes = [c.id for c in load_codebook(codebook or data / "codebook.yaml").leaves()]
    ref = agreement.label_matrix([set(c) for c in gold["codes"]], codes)
    pred = agreement.label_matrix([predicted.get(k, set()) for k in keys], codes)
    kappas = [agreement.kappa(pred[:, j], ref[:, j]) for j in range(len(codes))]
    return {
        "turns": len(keys),
        "micro_f1": round(agreement.f1(pred, ref), 4),
        "precision": round(agreement.precision(pred, ref), 4),
        "recall": round(agreement.recall(pred, ref), 4),
        "macro_kappa": round(float(np.nanmean(kappas)), 4),
        "codes_never_applied": [c for j, c in enumerate(codes) if not pred[:, j].any()],
    }


def main() -> int:
    """Run, score, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp one)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--score-only", action="store_true", help="score an existing --work run")
    args = ap.parse_args()
    if not (args.data / "gold" / "gold_codes.jsonl").is_file():
        print(
            f"{args.data}: dev_eval set not found; put ../shared beside the repository "
            "or pass --data DIR",
            file=sys.stderr,
        )
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="qualeval-dev-eval-"))
    proc = run_pipeline(args.data, work) if not args.score_only else None
    if proc is not None and proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    ingest = json.loads((work / "outputs" / "metrics" / "ingest.json").read_text())
    result = {
        "command": "python benchmarks/bench_dev_eval.py",
        "interviews_ingested": ingest.get("interviews"),
        "respondent_turns": ingest.get("respondent_turns"),
        "anonymisation": score_anonymisation(args.data, work),
        "coding": score_coding(args.data, work),
    }
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
