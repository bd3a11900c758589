"""Anonymisation quality and speed on the sample (and the sample replicated).

Usage: ``python benchmarks/bench_anonymise.py [--copies N] [--n-process P] [--out FILE]``

Needs ``private/turns.parquet`` and ``private/interviews.parquet`` (run ``make repro`` first).
Reports, on the sample gold (``transcripts_sample/gold/gold_pii.jsonl``):

* ``automatic``: recognisers only — no register, no review decisions;
* ``register``: plus the evaluator's register (``anonymisation/register.yaml``);
* ``full``: plus the review decisions, i.e. what ``dvc repro`` produces;
* ablations: ``full`` without NER, and without propagation;

then the throughput of the whole stage (model load excluded and included) on the sample
replicated ``--copies`` times (interview ids made distinct), and peak memory (RSS).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import anonymise as A  # noqa: E402
from pipeline.evaluator_files.allow_list import read_allow_list  # noqa: E402
from pipeline.evaluator_files.decisions import read_decisions  # noqa: E402
from pipeline.evaluator_files.gold import read_gold  # noqa: E402
from pipeline.evaluator_files.register import load_register  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.recognisers.ner import load_pipeline  # noqa: E402


def _quality(turns, interviews, params, nlp, gold, **kwargs) -> dict:
    p = params.anonymise
    if "anon" in kwargs:
        p = p.model_copy(update=kwargs.pop("anon"))
    res = A.anonymise(
        turns,
        interviews,
        p,
        name_columns=params.ingest.name_columns,
        nlp=nlp if "ner" in p.recognisers else None,
        progress=False,
        **kwargs,
    )
    metrics, _ = A.score_against_gold(turns, res.turns, gold)
    return {**metrics, "entities": res.stats["entities"], "seconds": res.stats["seconds"]}


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--n-process", type=int, default=1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    params = load_params(ROOT / "params.yaml")
    turns_path = ROOT / "private" / "turns.parquet"
    if not turns_path.is_file():
        sys.exit("private/turns.parquet not found: run `make repro` first")
    turns = pd.read_parquet(turns_path)
    interviews = pd.read_parquet(ROOT / "private" / "interviews.parquet")
    gold = read_gold(ROOT / params.data.gold_pii)
    register = load_register(ROOT / params.data.register_file)
    decisions = read_decisions(ROOT / params.data.review_decisions)
    allow = read_allow_list(ROOT / params.data.allow_list)

    t0 = time.perf_counter()
    nlp = load_pipeline(str(ROOT / params.anonymise.ner_model))
    load_s = time.perf_counter() - t0
    report: dict = {"model_load_s": round(load_s, 2)}
    no_ner = [r for r in params.anonymise.recognisers if r != "ner"]
    report["quality"] = {
        "automatic": _quality(turns, interviews, params, nlp, gold, allow=allow),
        "register": _quality(turns, interviews, params, nlp, gold, allow=allow, register=register),
        "full": _quality(
            turns,
            interviews,
            params,
            nlp,
            gold,
            allow=allow,
            register=register,
            decisions=decisions,
        ),
        "full_without_ner": _quality(
            turns,
            interviews,
            params,
            nlp,
            gold,
            allow=allow,
            register=register,
            decisions=decisions,
            anon={"recognisers": no_ner},
        ),
        "full_without_propagation": _quality(
            turns,
            interviews,
            params,
            nlp,
            gold,
            allow=allow,
            register=register,
            decisions=decisions,
            anon={"propagate": False},
        ),
    }
    big = pd.concat(
        [
            turns.assign(interview_id=turns["interview_id"] + f"_{c:03d}")
            for c in range(args.copies)
        ],
        ignore_index=True,
    )
    big_iv = pd.concat(
        [
            interviews.assign(interview_id=interviews["interview_id"] + f"_{c:03d}")
            for c in range(args.copies)
        ],
        ignore_index=True,
    )
    p = params.anonymise.model_copy(update={"n_process": args.n_process})
    t0 = time.perf_counter()
    res = A.anonymise(
        big,
        big_iv,
        p,
        register=register,
        decisions=decisions,
        allow=allow,
        name_columns=params.ingest.name_columns,
        nlp=nlp,
        progress=False,
    )
    elapsed = time.perf_counter() - t0
    words = res.stats["words"]
    report["throughput"] = {
        "copies": args.copies,
        "n_process": args.n_process,
        "turns": res.stats["turns"],
        "words": words,
        "seconds": round(elapsed, 2),
        "words_per_s": round(words / elapsed),
        "words_per_s_including_model_load": round(words / (elapsed + load_s)),
    }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
