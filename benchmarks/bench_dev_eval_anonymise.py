"""Anonymisation and the leak gate on ``../shared/data/dev_eval`` with NO params file.

Usage: ``python benchmarks/bench_dev_eval_anonymise.py [--data DIR] [--work DIR] [--out FILE]``

What a new user gets from the built-in defaults on another programme's transcripts:

1. ingest every transcript that ingests today (rejected files are counted, not fatal);
2. anonymise with the built-in defaults (no register, no decisions, no allow-list file);
3. score against the set's gold (``gold/gold_pii.jsonl``), on the interviews that ingested:
   leak rate (``must_remove`` occurrences surviving in the anonymised turns, and distinct
   strings), over-redaction (``must_keep`` occurrences removed, and which terms);
4. run the leak gate (the verify stage) over the shareable outputs, with the set's codebook
   copied in (the report quotes the codebook, so its words reach the outputs too).

Prints one JSON document (counts and the gold terms removed or surviving: the set is
fictional) and the command. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import catalogue  # noqa: E402
from pipeline import verify as verify_stage  # noqa: E402
from pipeline.anonymise import stage as anonymise_stage  # noqa: E402
from pipeline.anonymise.tables import score_against_gold  # noqa: E402
from pipeline.errors import QualevalError  # noqa: E402
from pipeline.evaluator_files.gold import read_gold  # noqa: E402
from pipeline.ingest import stage as ingest_stage  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dev_eval"
# non-identifying proper nouns the set's README names as over-redaction traps (on neither gold
# list): counted, not scored
TRAPS = (
    "Solihull Approach", "Solihull", "Understanding Your Child", "Incredible Years",
    "Sure Start", "Healthy Start", "SystmOne", "Otter", "Facebook", "ICB", "SEND",
    "Polish", "Romanian", "Nigerian", "Somali", "Turkish",
)  # fmt: skip


def _path(key: str, out: Path, private: Path) -> Path:
    return catalogue.artefact(key).path(out, private)


def _run(data: Path, out: Path, private: Path) -> dict:
    ingest_stage.run_stage(
        None,
        data / "transcripts",
        data / "metadata.csv",
        _path("turns_raw", out, private),
        _path("preamble", out, private),
        _path("interviews_raw", out, private),
        _path("ingest_rejects", out, private),
        _path("ingest_metrics", out, private),
    )
    anonymise_stage.run_stage(
        None,
        _path("turns_raw", out, private),
        _path("interviews_raw", out, private),
        register_path=None,
        decisions_path=None,
        allow_path=None,
        gold_path=None,
        out_turns=_path("turns", out, private),
        out_interviews=_path("interviews", out, private),
        key_path=_path("anonymisation_key", out, private),
        review_path=_path("anonymisation_review", out, private),
        mentions_path=_path("anonymisation_mentions", out, private),
        metrics_path=_path("anonymise_metrics", out, private),
        progress=False,
    )
    shutil.copy(data / "codebook.yaml", out / "codebook.yaml")
    try:
        verify_stage.run_stage(
            None,
            out,
            _path("anonymisation_key", out, private),
            register_path=None,
            decisions_path=None,
            allow_path=None,
            report=_path("verify_report", out, private),
            metrics=private / "verify_metrics.json",
        )
    except QualevalError:
        pass  # the gate failed: its counts are in the report
    return _scores(data, out, private)


def _scores(data: Path, out: Path, private: Path) -> dict:
    raw = pd.read_parquet(_path("turns_raw", out, private))
    anon = pd.read_parquet(_path("turns", out, private))
    gold = read_gold(data / "gold" / "gold_pii.jsonl")
    metrics, leaks = score_against_gold(raw, anon, gold)
    ingested = set(raw["interview_id"].astype(str))
    lost_keep = _keep_removed(raw, anon, [g for g in gold if g["interview_id"] in ingested])
    report = pd.read_csv(_path("verify_report", out, private)).fillna("")
    gate = json.loads((private / "verify_metrics.json").read_text(encoding="utf-8"))
    return {
        "interviews_ingested": len(ingested),
        "interviews_listed": len(gold),
        "ingested": sorted(ingested),
        "gold": metrics,
        "must_remove_strings_surviving": sorted(set(leaks["text"])) if len(leaks) else [],
        "must_keep_terms_removed": lost_keep,
        "trap_terms_removed": _traps_removed(raw, anon),
        "gate": {
            "passed": gate["passed"],
            "leaks": gate["leaks"],
            "files_scanned": gate["files_scanned"],
            "identifiers_flagged": sorted(set(report["identifier"]) - {""}),
        },
    }


def _keep_removed(raw: pd.DataFrame, anon: pd.DataFrame, gold: list[dict]) -> dict[str, int]:
    """Gold keep-terms whose count in an interview dropped, with how many were lost."""
    lost: dict[str, int] = {}
    for rec in gold:
        iv = rec["interview_id"]
        before = "\n".join(raw.loc[raw["interview_id"] == iv, "text"].astype(str))
        after = "\n".join(anon.loc[anon["interview_id"] == iv, "text"].astype(str))
        for term in set(rec.get("must_keep", [])):
            n = before.count(term) - after.count(term)
            if n > 0:
                lost[term] = lost.get(term, 0) + n
    return dict(sorted(lost.items()))


def _traps_removed(raw: pd.DataFrame, anon: pd.DataFrame) -> dict[str, str]:
    """Trap terms whose count dropped: 'removed/occurrences'."""
    before, after = "\n".join(raw["text"].astype(str)), "\n".join(anon["text"].astype(str))
    out = {}
    for term in TRAPS:
        n_before, n_after = before.count(term), after.count(term)
        if n_after < n_before:
            out[term] = f"{n_before - n_after}/{n_before}"
    return out


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=None, help="keep the run here (default: temp)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        out, private = work / "outputs", work / "private"
        result = _run(args.data.resolve(), out, private)
    result["command"] = "python benchmarks/bench_dev_eval_anonymise.py"
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
