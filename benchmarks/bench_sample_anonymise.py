"""Anonymisation on the sample WITHOUT its register and review decisions (what no list knows).

Usage: ``python benchmarks/bench_sample_anonymise.py [--out FILE] [--copies N]``

The sample's leak rate 0 in ``dvc repro`` leans on its register and a review round. This
benchmark ingests the sample itself (``params.yaml``'s ingest settings, into a temporary
folder), then anonymises it with the repository's ``anonymise`` params but no register and
no decisions, in two variants:

- ``with_allow_list``: the sample's own allow-list file (``anonymisation/allow_list.txt``)
  plus the built-in list;
- ``builtin_allow_list_only``: the built-in list alone (a new user's first run);

and scores each against the sample gold (``transcripts_sample/gold/gold_pii.jsonl``): leak
rate (``must_remove`` occurrences surviving) and over-redaction (``must_keep`` occurrences
removed), with the surviving and removed strings (the sample is fictional). Then the stage's
throughput (words/s, NER model loaded once beforehand) on the sample replicated ``--copies``
times. Targets (issue 14): leak <= 0.001, over-redaction <= 0.01. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import anonymise as A  # noqa: E402
from pipeline import catalogue  # noqa: E402
from pipeline.anonymise.detect import phrase_ngrams  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.evaluator_files.allow_list import allow_terms  # noqa: E402
from pipeline.evaluator_files.gold import read_gold  # noqa: E402
from pipeline.ingest import stage as ingest_stage  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.recognisers.ner import load_pipeline  # noqa: E402


def _ingest(params_path: Path, work: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = load_params(params_path)
    out, private = work / "outputs", work / "private"

    def path(key: str) -> Path:
        return catalogue.artefact(key).path(out, private)

    ingest_stage.run_stage(
        params_path,
        ROOT / params.data.transcripts_dir,
        ROOT / params.data.metadata,
        path("turns_raw"),
        path("preamble"),
        path("interviews_raw"),
        path("ingest_rejects"),
        path("ingest_metrics"),
    )
    return pd.read_parquet(path("turns_raw")), pd.read_parquet(path("interviews_raw"))


def _lost_keep(raw: pd.DataFrame, anon: pd.DataFrame, gold: list[dict]) -> dict[str, int]:
    """Keep-terms whose count in an interview dropped, with how many were lost."""
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


def anonymise_turns(turns, interviews, params, nlp, allow, codebook=None) -> A.AnonymiseResult:
    """The anonymise core as the stage calls it (the codebook's own terms when given)."""
    extra = {}
    if codebook is not None:
        extra = {
            "vocabulary": codebook.vocabulary(),
            "codebook_phrases": phrase_ngrams(codebook.own_texts()),
        }
    return A.anonymise(
        turns,
        interviews,
        params.anonymise,
        allow=allow,
        name_columns=params.ingest.name_columns,
        nlp=nlp,
        progress=False,
        **extra,
    )


def copies_of(df: pd.DataFrame, copies: int) -> pd.DataFrame:
    """``df`` ``copies`` times, each copy's interview ids suffixed ``_000``, ``_001``..."""
    parts = [df.assign(interview_id=df["interview_id"] + f"_{c:03d}") for c in range(copies)]
    return pd.concat(parts, ignore_index=True)


def _variant(turns, interviews, params, nlp, gold, allow, codebook) -> dict:
    started = time.perf_counter()
    res = anonymise_turns(turns, interviews, params, nlp, allow, codebook)
    metrics, leaks = A.score_against_gold(turns, res.turns, gold)
    return {
        **metrics,
        "must_remove_strings_surviving": sorted(set(leaks["text"])) if len(leaks) else [],
        "must_keep_terms_removed": _lost_keep(turns, res.turns, gold),
        "entities": res.stats["entities"],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _throughput(turns, interviews, params, nlp, allow, copies: int) -> dict:
    big, big_iv = copies_of(turns, copies), copies_of(interviews, copies)
    t0, c0 = time.perf_counter(), time.process_time()
    res = anonymise_turns(big, big_iv, params, nlp, allow)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    words = res.stats["words"]
    # CPU time too: on shared cores the wall clock measures the neighbours
    return {
        "copies": copies,
        "words": words,
        "seconds": round(elapsed, 2),
        "words_per_s": round(words / elapsed),
        "cpu_seconds": round(cpu, 2),
        "words_per_cpu_s": round(words / cpu),
    }


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--copies", type=int, default=5, help="sample copies for the throughput")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    params_path = ROOT / "params.yaml"
    params = load_params(params_path)
    gold = read_gold(ROOT / params.data.gold_pii)
    codebook = load_codebook(ROOT / params.codebook.path)
    nlp = load_pipeline(str(ROOT / params.anonymise.ner_model))
    with tempfile.TemporaryDirectory() as tmp:
        turns, interviews = _ingest(params_path, Path(tmp))
    own = allow_terms(ROOT / params.data.allow_list, params.anonymise.allow)
    builtin = allow_terms(None, params.anonymise.allow)
    result = {
        "command": "python benchmarks/bench_sample_anonymise.py",
        "register": None,
        "review_decisions": None,
        "interviews": int(turns["interview_id"].nunique()),
        "with_allow_list": _variant(turns, interviews, params, nlp, gold, own, codebook),
        "builtin_allow_list_only": _variant(
            turns, interviews, params, nlp, gold, builtin, codebook
        ),
        "throughput": _throughput(turns, interviews, params, nlp, own, args.copies),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
