"""Evaluate a spaCy NER pipeline (PERSON / ORG / LOC) on the held-out shared NER test files.

Scores are exact span matches (start token, end token and label must all agree), micro-averaged,
per type and overall.  Gold spans are aligned to the pipeline's tokens with
``doc.char_span(..., alignment_mode="contract")`` exactly as in training; the few gold spans
that cannot be aligned are counted as false negatives.  For the headline in-domain set
(``gum_test_interview_conversation.jsonl``) a 95% percentile bootstrap confidence interval over
sentences is reported (1000 seeded resamples).  Throughput is measured with
``nlp.pipe(batch_size=256)`` in one process on the ``gum_test`` texts.

Writes ``<model>/scores.json`` and prints a markdown table.

Usage (from the repository root)::

    python tools/eval_ner.py                                   # pipeline/models/ner_en_qualeval
    python tools/eval_ner.py --model en_core_web_lg --no-write # any installed spaCy pipeline
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("PERSON", "ORG", "LOC")
HEADLINE = "gum_test_interview_conversation"
TEST_FILES = (HEADLINE, "gum_test", "uner_ewt_test", "wnut17_test", "btc_test")
# Labels of other schemes (e.g. OntoNotes in en_core_web_*) mapped to ours.
LABEL_MAP = {"PER": "PERSON", "GPE": "LOC", "FAC": "LOC"}


def _resolve(path: str) -> Path:
    """Resolve a path relative to the repository root."""
    p = Path(path)
    return p if p.is_absolute() else (ROOT / p).resolve()


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSONL file (one dict per non-empty line)."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sentence_counts(nlp, records: list[dict]) -> np.ndarray:
    """Run the pipeline and count true positives, false positives and false negatives.

    Args:
        nlp: The spaCy pipeline to evaluate.
        records: Records with ``text`` and ``entities``.

    Returns:
        Integer array of shape (sentences, labels, 3) holding tp, fp, fn.
    """
    counts = np.zeros((len(records), len(LABELS), 3), dtype=np.int64)
    texts = [r["text"] for r in records]
    for i, (rec, doc) in enumerate(zip(records, nlp.pipe(texts, batch_size=256), strict=True)):
        gold = set()
        for start, end, label in rec["entities"]:
            span = doc.char_span(start, end, alignment_mode="contract")
            if span is None or len(span) == 0:
                counts[i, LABELS.index(label), 2] += 1  # unalignable gold span: always missed
                continue
            gold.add((span.start, span.end, label))
        pred = set()
        for ent in doc.ents:
            label = LABEL_MAP.get(ent.label_, ent.label_)
            if label in LABELS:
                pred.add((ent.start, ent.end, label))
        for j, label in enumerate(LABELS):
            g = {s for s in gold if s[2] == label}
            p = {s for s in pred if s[2] == label}
            counts[i, j] += (len(g & p), len(p - g), len(g - p))
    return counts


def prf(tp: float, fp: float, fn: float) -> dict:
    """Return precision, recall and F1 (0.0 where undefined) and the support."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "support": int(tp + fn), "predicted": int(tp + fp)}


def summarise(counts: np.ndarray) -> dict:
    """Per-type and overall (micro) scores from per-sentence counts."""
    per_label = counts.sum(axis=0)
    out = {label: prf(*per_label[j]) for j, label in enumerate(LABELS)}
    out["overall"] = prf(*per_label.sum(axis=0))
    return out


def bootstrap(counts: np.ndarray, n: int, seed: int) -> dict:
    """95% percentile bootstrap CI of overall micro P, R and F1, resampling sentences.

    Args:
        counts: Per-sentence counts from :func:`sentence_counts`.
        n: Number of resamples.
        seed: Random seed.

    Returns:
        ``{"p": [lo, hi], "r": [lo, hi], "f": [lo, hi], "resamples": n, "seed": seed}``.
    """
    rng = np.random.default_rng(seed)
    per_sent = counts.sum(axis=1)  # (sentences, 3)
    idx = rng.integers(0, len(per_sent), size=(n, len(per_sent)))
    tot = per_sent[idx].sum(axis=1).astype(float)  # (n, 3)
    tp, fp, fn = tot[:, 0], tot[:, 1], tot[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        r = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    ci = {
        k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
        for k, v in (("p", p), ("r", r), ("f", f))
    }
    return {**ci, "resamples": n, "seed": seed}


def throughput(nlp, texts: list[str], repeats: int = 3) -> dict:
    """Measure words per second with ``nlp.pipe(batch_size=256)`` in one process.

    Args:
        nlp: The pipeline.
        texts: Texts to process (one warm-up pass, then ``repeats`` timed passes; best is kept).
        repeats: Number of timed passes.

    Returns:
        Words (whitespace-separated) and tokens per second, and the sizes measured.
    """
    words = sum(len(t.split()) for t in texts)
    tokens = sum(len(nlp.make_doc(t)) for t in texts)
    list(nlp.pipe(texts[:256], batch_size=256))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256, n_process=1):
            pass
        best = min(best, time.perf_counter() - t0)
    return {
        "words_per_sec": round(words / best),
        "tokens_per_sec": round(tokens / best),
        "words": words,
        "tokens": tokens,
        "texts": len(texts),
        "batch_size": 256,
        "n_process": 1,
        "best_of": repeats,
        "machine": f"{platform.processor() or platform.machine()}, {_cpus()} CPU cores",
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def markdown(results: dict) -> str:
    """Render the per-file, per-type scores as a markdown table."""
    lines = [
        "| test file | type | P | R | F1 | gold | predicted |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, res in results["files"].items():
        for label in (*LABELS, "overall"):
            s = res["scores"][label]
            shown = f"**{label}**" if label == "overall" else label
            lines.append(
                f"| {name} | {shown} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} "
                f"| {s['support']} | {s['predicted']} |"
            )
    ci = results["files"][HEADLINE]["bootstrap_95ci"]
    lines.append("")
    lines.append(
        f"{HEADLINE}: overall F1 95% CI [{ci['f'][0]:.3f}, {ci['f'][1]:.3f}], "
        f"P [{ci['p'][0]:.3f}, {ci['p'][1]:.3f}], R [{ci['r'][0]:.3f}, {ci['r'][1]:.3f}] "
        f"({ci['resamples']} bootstrap resamples over sentences, seed {ci['seed']})"
    )
    sp = results["speed"]
    lines.append(
        f"Speed: {sp['words_per_sec']:,} words/s ({sp['tokens_per_sec']:,} tokens/s), "
        f"nlp.pipe(batch_size=256), 1 process, {sp['texts']} gum_test sentences, {sp['machine']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate the model and write scores.json.

    Args:
        argv: Command-line arguments (default ``sys.argv[1:]``).

    Returns:
        Process exit code.
    """
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--model",
        default="pipeline/models/ner_en_qualeval",
        help="model folder (relative to the repo root) or installed package name",
    )
    ap.add_argument(
        "--shared",
        default="../shared",
        help="folder containing data/ner (relative to the repo root)",
    )
    ap.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    ap.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write scores.json")
    args = ap.parse_args(argv)

    data = _resolve(args.shared) / "data" / "ner"
    if not (data / f"{HEADLINE}.jsonl").is_file():
        sys.exit(
            f"error: NER test data not found at {data}; this needs the shared corpora folder "
            "data/ner/ (gum_test*.jsonl, uner_ewt_test.jsonl, wnut17_test.jsonl, btc_test.jsonl); "
            "pass --shared PATH to the folder that contains data/ner"
        )
    import spacy

    local = _resolve(args.model)
    model_path = local if local.exists() else None
    nlp = spacy.load(model_path or args.model)
    results: dict = {
        "model": args.model,
        "model_name": nlp.meta.get("name"),
        "model_version": nlp.meta.get("version"),
        "spacy_version": spacy.__version__,
        "matching": "exact span (token start, token end, label); micro-averaged",
        "files": {},
    }
    for name in TEST_FILES:
        records = read_jsonl(data / f"{name}.jsonl")
        counts = sentence_counts(nlp, records)
        entry = {
            "sentences": len(records),
            "tokens": int(sum(len(nlp.make_doc(r["text"])) for r in records)),
            "scores": summarise(counts),
        }
        if name == HEADLINE:
            entry["bootstrap_95ci"] = bootstrap(counts, args.resamples, args.seed)
        results["files"][name] = entry
    texts = [r["text"] for r in read_jsonl(data / "gum_test.jsonl")]
    results["speed"] = throughput(nlp, texts)
    table = markdown(results)
    print(table)
    if not args.no_write and model_path is not None:
        (model_path / "scores.json").write_text(
            json.dumps(results, indent=2) + "\n", encoding="utf-8"
        )
        print(f"\nwrote {model_path / 'scores.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
