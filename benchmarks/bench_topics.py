"""Topics benchmark: our configured pipeline against a plain default BERTopic on NHS FFT comments.

Usage::

    python benchmarks/bench_topics.py [--shared PATH] [--params params.yaml] [--out FILE]
                                      [--stability]

Needs ``data/coded/nhs_fft/{train,dev}.jsonl`` under ``--shared`` (default
``<repo>/../shared``; see the README there: 4,804 free-text patient-feedback comments, MIT).
The texts are embedded once with the packaged all-MiniLM-L6-v2 (:func:`pipeline.encoder.encode`,
offline) and the vectors cached under ``.cache/bench_topics/`` (git-ignored), keyed by a hash
of the texts; later runs only fit.

Both models get the same texts and the same embeddings, in the same run:

* **ours**: :func:`pipeline.topics.fit_topics` with the ``topics`` block of ``--params``
  (UMAP + HDBSCAN seeded and scaled, outlier reduction, c-TF-IDF + MMR keywords);
  ``fit_seconds`` is the stage's own fit time (clustering, BERTopic, outlier reduction,
  representations), without the stability seeds.
Before either fit, one UMAP fit on the same embeddings warms numba's compiled code up (its
time is reported as ``umap_warmup_seconds``; the first UMAP of a fresh process pays it, in the
stage too).

* **default**: ``BERTopic(top_n_words=25)`` (defaults otherwise: unseeded UMAP, HDBSCAN with
  min_cluster_size 10, plain CountVectorizer, no outlier reduction); ``top_n_words=25`` only
  lengthens the word lists so diversity is measured on 25 words for both.

Metrics (same functions as the stage): NPMI of each topic's top 10 words over document
co-occurrence in the corpus, each model's words in its own vectoriser's tokenisation;
diversity = unique share of the top 25 words; outlier share; number of topics; fit seconds.
An ablation, ``ours_unigrams_no_mmr``, repeats ours with plain unigram c-TF-IDF keywords
(no bigrams, no MMR), because NPMI rewards frequent words: bigrams and MMR-diversified words
co-occur less often in short comments. ``--stability`` adds our mean ARI over three seeds
(three more fits). Not part of the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pipeline import topics as T  # noqa: E402
from pipeline.params import load_params  # noqa: E402

DATA = Path("data/coded/nhs_fft")
CACHE = ROOT / ".cache" / "bench_topics"
log = logging.getLogger("bench_topics")


def load_texts(shared: Path) -> pd.DataFrame:
    """The train and dev comments as a segments-like table (one row per comment)."""
    folder = shared / DATA
    paths = [folder / "train.jsonl", folder / "dev.jsonl"]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        sys.exit(
            f"error: {missing[0]} not found. This benchmark needs the shared NHS FFT data "
            f"(../shared/{DATA}/train.jsonl and dev.jsonl beside the repository); pass "
            "--shared PATH to point at the folder that holds data/coded/nhs_fft/."
        )
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    df = pd.DataFrame(
        {
            "segment_id": [r["id"] for r in rows],
            "interview_id": [r["id"].split(" - Q")[0] for r in rows],
            "turn_index": np.zeros(len(rows), dtype="int32"),
            "text": [r["text"] for r in rows],
        }
    )
    return df


def cached_embeddings(texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts``, computed once and cached by a hash of the texts."""
    from pipeline.encoder import default_model_path, encode

    key = hashlib.sha256(
        ("\n".join(texts) + "\x00" + Path(default_model_path()).name).encode("utf-8")
    ).hexdigest()[:16]
    path = CACHE / f"embeddings-{key}.npy"
    if path.is_file():
        log.info("cached embeddings: %s", path.relative_to(ROOT))
        return np.load(path, allow_pickle=False)
    log.info("embedding %d texts once (cached afterwards in %s)", len(texts), CACHE)
    t0 = time.perf_counter()
    vectors = encode(texts, batch_size=64)
    log.info("embedded in %.1f s", time.perf_counter() - t0)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors, allow_pickle=False)
    return vectors


def run_ours(seg: pd.DataFrame, emb: np.ndarray, params, stability: bool) -> dict:
    """Our configured stage on the benchmark corpus."""
    from pipeline.encoder import load_encoder

    p = params.model_copy(update={"stability_seeds": 3 if stability else 1})
    encoder = load_encoder(None) if p.mmr_diversity > 0 else None
    codes = pd.DataFrame({"segment_id": pd.Series([], dtype=str), "code_id": []})
    res = T.fit_topics(seg, emb, codes, p, encoder=encoder)
    m = res.metrics
    out = {
        k: m[k]
        for k in (
            "n_topics",
            "outlier_share_before",
            "outlier_share_after",
            "npmi",
            "diversity",
            "fit_seconds",
            "method",
            "fallback_used",
            "settings",
        )
    }
    if stability:
        out["stability_ari"] = m["stability_ari"]
    out["labels"] = [lab for t, lab in zip(res.topics.topic_id, res.topics.label) if t != -1][:10]
    return out


def run_default(seg: pd.DataFrame, emb: np.ndarray) -> dict:
    """A plain default BERTopic with the same texts and embeddings."""
    import warnings

    from bertopic import BERTopic

    docs = seg["text"].astype(str).tolist()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BERTopic(top_n_words=25)
        topics, _ = model.fit_transform(docs, embeddings=emb)
    fit_s = time.perf_counter() - t0
    topics = np.asarray(topics)
    ids = sorted(set(topics.tolist()) - {-1})
    words = [[w for w, _ in model.get_topic(t) if w] for t in ids]
    analyse = model.vectorizer_model.build_analyzer()
    doc_terms = [set(analyse(d)) for d in docs]
    return {
        "n_topics": len(ids),
        "outlier_share": round(float((topics == -1).mean()), 6),
        "npmi": round(T.npmi_coherence([w[:10] for w in words], doc_terms), 4),
        "diversity": round(T.topic_diversity([w[:25] for w in words]), 4),
        "fit_seconds": round(fit_s, 3),
        "labels": [", ".join(w[:3]) for w in words[:10]],
    }


def main() -> None:
    """Run both models and print (and optionally save) the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    ap.add_argument("--stability", action="store_true", help="also our ARI over three seeds")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    seg = load_texts(args.shared)
    emb = cached_embeddings(seg["text"].tolist())
    params = load_params(args.params).topics
    import torch

    # numba compiles UMAP's and pynndescent's code on first use in a process (tens of seconds,
    # more for >4096 points): pay it once, untimed, so neither model's fit time includes it
    t0 = time.perf_counter()
    T.umap_reduce(emb, T.scaled_settings(len(emb), params), params, params.seed)
    warmup = round(time.perf_counter() - t0, 3)

    result = {
        "corpus": f"NHS FFT train+dev ({len(seg)} comments)",
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "umap_warmup_seconds": warmup,
        "ours": run_ours(seg, emb, params, args.stability),
        # ablation: the same clustering with plain unigram c-TF-IDF keywords (no bigrams, no MMR)
        "ours_unigrams_no_mmr": run_ours(
            seg, emb, params.model_copy(update={"ngram_range": (1, 1), "mmr_diversity": 0.0}), False
        ),
        "default_bertopic": run_default(seg, emb),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
