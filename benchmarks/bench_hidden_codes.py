"""Hidden-code recovery: do emergent topics find the themes a codebook leaves out?

Usage::

    python benchmarks/bench_hidden_codes.py [--sets sample dev_eval] [--work DIR] [--out FILE]

For each set (the sample, and ``../shared/data/dev_eval``, another programme with its own
codebook and gold codes):

1. **Base run**: the pipeline up to ``embed`` (the sample: this checkout's ``outputs/`` and
   ``private/`` after ``dvc repro``; dev_eval: ingest, anonymise and embed in a scratch project,
   no params file, as a new user runs it), then the codebook's vectors, coding and topics with
   the full codebook. Its topics give the outlier share after reduction, the stability ARI over
   seeds 0-2 and the emergent topics' labels (none may be small talk, an introduction or contact
   details: their quotes are checked with :func:`pipeline.nonanalytic.nonanalytic_reason`).
2. **Hidden codes**: 5 triples of child codes, each drawn (numpy ``default_rng(seed)``, seeds
   0-4) from the child codes with at least 8 gold turns. For each triple the three codes are
   removed from the codebook (a parent left without children goes too), the code and topics
   stages run again without them (``topics.stability_seeds: 1``; the codebook vectors are the
   base run's less the removed codes' rows, which is what ``embed_codebook`` would write), and a
   removed code counts as **recovered** when an emergent topic's turns overlap its gold turns
   with precision >= 0.5 at recall >= 0.3 (turn level: a topic's turns are the turns of its
   segments). Emergent topics are the main topics few of whose segments carry a code and the
   finer themes the codebook covers least, carved out of them (ADR 0025). The same test over
   every topic of the run, emergent or not (``recoverable_by_any_topic``), is the ceiling any
   choice of emergent topics could reach: it tells a missed flag from a theme no topic isolates.
3. **Diagnosis** (ADR 0045): for each removed code, where its gold turns went (clustered or left
   out, still carrying a remaining code, how many topics hold them, the largest holder) and a
   verdict (:func:`diagnose`: recovered, not flagged, left out, drowned, spread), counted per
   set in ``verdicts``. ``study_least_explained``: what Ward clusters of the least explained
   half of the turns (:func:`least_explained_themes`), added as extra candidates alongside the
   emergent topics, would recover, and how many candidates that takes.

No human codes are used by the coders in any run (``data.human_codes`` unset): a hidden code
must not come back through its gold. Targets (issue 17): on average at least half of the removed
codes recovered, outlier share after reduction <= 15%, stability ARI >= 0.8 on the sample.
Prints one JSON document; ``--out`` also writes it. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.nonanalytic import nonanalytic_reason  # noqa: E402
from pipeline.run import RunInputs, stage_arguments  # noqa: E402
from pipeline.stages import stage  # noqa: E402

DEV_EVAL = ROOT.parent / "shared" / "data" / "dev_eval"
SEEDS = (0, 1, 2, 3, 4)
MIN_GOLD_TURNS = 8
PRECISION, RECALL = 0.5, 0.3
STUDY_SHARE, STUDY_SIZE = 0.5, 10  # least_explained_themes (ADR 0045)
log = logging.getLogger("bench_hidden_codes")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def gold_turns(path: Path) -> dict[str, set[tuple[str, int]]]:
    """Code id -> the gold's (interview, turn) pairs carrying it."""
    out: dict[str, set[tuple[str, int]]] = {}
    for r in _jsonl(path):
        for c in r.get("codes", []):
            out.setdefault(c, set()).add((r["interview_id"], int(r["turn_index"])))
    return out


def draw_triples(book, gold: dict[str, set]) -> list[list[str]]:
    """Five triples of child codes with >= 8 gold turns, one per seed of :data:`SEEDS`."""
    eligible = sorted(
        c.id for c in book.leaves() if c.parent and len(gold.get(c.id, ())) >= MIN_GOLD_TURNS
    )
    return [
        sorted(np.random.default_rng(s).choice(eligible, size=3, replace=False).tolist())
        for s in SEEDS
    ]


def reduced_codebook(path: Path, removed: list[str], dest: Path) -> Path:
    """The codebook without ``removed`` (and parents left childless), written to ``dest``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    codes = [c for c in raw["codes"] if c["id"] not in removed]
    parents = {c.get("parent") for c in codes}
    gone = {c["id"] for c in raw["codes"] if c["id"] in set(removed)}
    orphaned = {c.get("parent") for c in raw["codes"] if c["id"] in gone} - parents
    raw["codes"] = [c for c in codes if c["id"] not in orphaned]
    for c in raw["codes"]:  # an exclusion naming a removed code would not load
        c["exclude"] = [e for e in c.get("exclude", []) if not any(r in e for r in removed)]
    dest.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_codebook(dest)  # fails loudly if the reduction broke it
    return dest


def run_stages(names: list[str], inputs: RunInputs) -> None:
    """Run the named stages in-process, as ``qualeval run`` does."""
    for name in names:
        log.info("stage %s", name)
        st = stage(name)
        st.main()(**stage_arguments(st, inputs))


SEGMENTS_MODE: list[str | None] = [None]  # --segments: topics.segments for every run


def write_params(src: Path | None, dest: Path, stability_seeds: int) -> Path:
    """A params file: ``src``'s (or none), without human codes, with ``stability_seeds``."""
    raw = yaml.safe_load(src.read_text(encoding="utf-8")) if src else {}
    if SEGMENTS_MODE[0]:
        raw.setdefault("topics", {})["segments"] = SEGMENTS_MODE[0]
    raw.setdefault("data", {})["human_codes"] = None
    raw["data"]["review"] = None
    raw.setdefault("topics", {})["stability_seeds"] = stability_seeds
    dest.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return dest


def topic_turns(out: Path, emergent_only: bool = True) -> tuple[pd.DataFrame, dict[int, set]]:
    """The topics table and each (emergent) topic's (interview, turn) pairs (no outliers)."""
    topics = pd.read_parquet(out / "topics" / "topics.parquet")
    st = pd.read_parquet(out / "topics" / "segment_topics.parquet")
    chosen = topics.loc[topics["emergent"]] if emergent_only else topics
    wanted = set(chosen["topic_id"].astype(int)) - {-1}
    turns: dict[int, set] = {}
    for t, iv, ti in zip(st["topic_id"], st["interview_id"], st["turn_index"]):
        if int(t) in wanted:
            turns.setdefault(int(t), set()).add((str(iv), int(ti)))
    return topics, turns


def recovery(code: str, gold: dict[str, set], turns: dict[int, set], labels: dict) -> dict:
    """The best emergent topic for a removed code and whether it counts as recovered."""
    ref = gold.get(code, set())
    best = {"code": code, "gold_turns": len(ref), "recovered": False, "topic": None}
    best_f1 = -1.0
    for t, tt in sorted(turns.items()):
        hit = len(tt & ref)
        p, r = hit / len(tt), hit / len(ref) if ref else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        ok = _passes(tt, ref)
        if (ok, f1) > (best["recovered"], best_f1):
            best_f1 = f1
            best |= {"recovered": ok, "topic": t, "label": labels.get(t), "precision": round(p, 3)}
            best["recall"] = round(r, 3)
    return best


def diagnose(ref: set, topics: dict[int, set], emergent: set[int], kept: set, coded: set) -> dict:
    """Why a removed code is (not) recovered: where its gold turns went (turn level).

    Args:
        ref: the code's gold (interview, turn) pairs.
        topics: every topic's turns (outliers left out).
        emergent: the emergent topics' ids.
        kept: the turns the topics stage clustered (not left out as non-analytic).
        coded: the turns a remaining code was applied to.

    The verdict, first that holds: ``recovered`` (an emergent topic passes the test), ``not
    flagged`` (a topic passes it but is not emergent), ``left out`` (fewer than the recall
    bound of its gold turns are clustered), ``drowned`` (one topic holds at least the recall
    bound of its gold turns but is less than half its turns), ``spread`` (no topic holds the
    recall bound of them).
    """
    held = sorted(
        ((len(tt & ref), -len(tt), t) for t, tt in topics.items() if tt & ref), reverse=True
    )
    out = {
        "kept_turns": len(ref & kept),
        "still_coded_share": round(len(ref & kept & coded) / len(ref & kept), 3)
        if ref & kept
        else 0.0,
        "n_topics_holding": len(held),
    }
    if held:
        hits, size, t = held[0][0], -held[0][1], held[0][2]
        out["largest_holder"] = {"topic": t, "hits": hits, "topic_turns": size,
                                 "emergent": t in emergent}  # fmt: skip
    passing = {t for t, tt in topics.items() if _passes(tt, ref)}
    if passing & emergent:
        out["verdict"] = "recovered"
    elif passing:
        out["verdict"] = "not flagged"
    elif len(ref & kept) < RECALL * len(ref):
        out["verdict"] = "left out"
    elif held and held[0][0] >= RECALL * len(ref):
        out["verdict"] = "drowned"
    else:
        out["verdict"] = "spread"
    return out


def _passes(turns: set, ref: set) -> bool:
    """The recovery test: the topic's turns hold the code at precision and recall bounds."""
    hit = len(turns & ref)
    return bool(turns) and bool(ref) and hit / len(turns) >= PRECISION and hit / len(ref) >= RECALL


def least_explained_themes(
    keys: list[tuple[str, int]], vectors: np.ndarray, margin: np.ndarray, share: float, size: int
) -> list[set]:
    """Study (ADR 0045): Ward clusters of the ``share`` least explained turns, ``size`` each.

    A turn's explanation is its best margin over the remaining codes (``score - threshold`` in
    ``turn_scores``); the least explained turns are clustered (Ward, deterministic) into
    ``round(n / size)`` groups. Not a pipeline output: what extra, overlapping candidates
    alongside the topics would add, and how many it takes.
    """
    from sklearn.cluster import AgglomerativeClustering

    chosen = np.flatnonzero(margin <= np.quantile(margin, share)) if len(margin) else margin
    if len(chosen) < 2 * size:
        return []
    labels = AgglomerativeClustering(n_clusters=round(len(chosen) / size), linkage="ward")
    labels = labels.fit_predict(vectors[chosen])
    groups: dict[int, set] = {}
    for i, g in zip(chosen.tolist(), labels.tolist()):
        groups.setdefault(int(g), set()).add(keys[i])
    return [groups[g] for g in sorted(groups)]


def study_candidates(out: Path) -> list[set]:
    """:func:`least_explained_themes` of a run's clustered turns (half of them, 10 turns each)."""
    from pipeline.topics.fine import turn_vectors

    segments = pd.read_parquet(out / "segments" / "segments.parquet")
    emb = np.load(out / "segments" / "embeddings.npy")
    clustered = set(pd.read_parquet(out / "topics" / "segment_topics.parquet")["segment_id"])
    mask = segments["segment_id"].isin(clustered).to_numpy()
    seg = segments.loc[mask].reset_index(drop=True)
    _, vectors = turn_vectors(seg, emb[mask])
    keys = list(dict.fromkeys(zip(seg["interview_id"].astype(str), seg["turn_index"].astype(int))))
    scores = pd.read_parquet(out / "coding" / "turn_scores.parquet")
    best = scores.assign(m=scores["score"] - scores["threshold"])
    best = best.groupby(["interview_id", "turn_index"])["m"].max()
    margin = np.array([float(best.get(k, 0.0)) for k in keys])
    return least_explained_themes(keys, vectors, margin, STUDY_SHARE, STUDY_SIZE)


def turn_sets(out: Path) -> tuple[set, set]:
    """The clustered turns and the turns carrying a (remaining) code, of a run."""
    st = pd.read_parquet(out / "topics" / "segment_topics.parquet")
    kept = set(zip(st["interview_id"].astype(str), st["turn_index"].astype(int)))
    codes = pd.read_parquet(out / "coding" / "segment_codes.parquet")
    coded = set(zip(codes["interview_id"].astype(str), codes["turn_index"].astype(int)))
    return kept, coded


def base_run(name: str, work: Path) -> tuple[RunInputs, Path, Path]:
    """The set's base project up to ``embed``: (inputs, codebook, gold codes)."""
    if name == "sample":
        for folder in ("outputs", "private"):
            shutil.copytree(ROOT / folder, work / folder, dirs_exist_ok=True)
        book, gold = ROOT / "codebook" / "codebook.yaml", ROOT / "transcripts_sample/gold"
        params = write_params(ROOT / "params.yaml", work / "params.yaml", 3)
        transcripts = ROOT / "transcripts_sample" / "transcripts"
        metadata = ROOT / "transcripts_sample" / "metadata.csv"
    else:
        for part in ("transcripts", "metadata.csv", "codebook.yaml"):
            src = DEV_EVAL / part
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / part)
        book, gold = work / "codebook.yaml", DEV_EVAL / "gold"
        params = write_params(None, work / "params.yaml", 3)
        transcripts, metadata = work / "transcripts", work / "metadata.csv"
    inputs = RunInputs(
        transcripts, metadata, book, work / "outputs", work / "private", params,
        overrides=(("human_codes", None), ("review", None)),
    )  # fmt: skip
    if name != "sample":
        run_stages(["ingest", "anonymise", "embed"], inputs)
    return inputs, book, gold / "gold_codes.jsonl"


def evaluate_set(name: str, work: Path) -> dict:
    """Base metrics and the five hidden-code triples of one set."""
    from dataclasses import replace

    inputs, book_path, gold_path = base_run(name, work)
    run_stages(["embed_codebook", "code", "topics"], inputs)
    out = inputs.out
    metrics = json.loads((out / "metrics" / "topics.json").read_text())
    topics, _ = topic_turns(out)
    quotes = pd.read_parquet(out / "topics" / "topic_quotes.parquet")
    em = topics[topics["emergent"]]
    nonanalytic = quotes[quotes["topic_id"].isin(em["topic_id"])]["text"].map(nonanalytic_reason)
    result = {
        "n_topics": metrics["n_topics"],
        "n_emergent": metrics["n_emergent"],
        "n_fine_themes": metrics.get("n_fine_themes"),
        "n_fine_emergent": metrics.get("n_fine_emergent"),
        "n_dropped": metrics["n_dropped"],
        "dropped_by_reason": metrics["dropped_by_reason"],
        "outlier_share_after": metrics["outlier_share_after"],
        "stability_ari": metrics["stability_ari"],
        "emergent_labels": em["label"].tolist(),
        "emergent_quotes_nonanalytic": int(nonanalytic.notna().sum()),
    }
    book, gold = load_codebook(book_path), gold_turns(gold_path)
    vectors = pd.read_parquet(out / "coding" / "codebook_vectors.parquet")
    src = ROOT / "params.yaml" if name == "sample" else None
    trial_params = write_params(src, work / "params-trials.yaml", 1)
    triples = []
    for seed, removed in zip(SEEDS, draw_triples(book, gold)):
        reduced = reduced_codebook(book_path, removed, work / f"codebook-{seed}.yaml")
        keep = set(c.id for c in load_codebook(reduced).codes)
        rows = vectors["code_id"].isna() | vectors["code_id"].isin(keep)
        vectors[rows].to_parquet(out / "coding" / "codebook_vectors.parquet", index=False)
        trial = replace(inputs, codebook=reduced, params=trial_params)
        run_stages(["code", "topics"], trial)
        topics, turns = topic_turns(out)
        labels = dict(zip(topics["topic_id"].astype(int), topics["label"]))
        found = [recovery(c, gold, turns, labels) for c in removed]
        # the ceiling: would any topic, emergent or not, count as the removed code?
        every_topic = topic_turns(out, emergent_only=False)[1]
        anywhere = [recovery(c, gold, every_topic, labels) for c in removed]
        kept, coded = turn_sets(out)
        for f in found:
            f["diagnosis"] = diagnose(gold[f["code"]], every_topic, set(turns), kept, coded)
        extra = study_candidates(out)
        with_extra = [any(_passes(x, gold[c]) for x in extra) or f["recovered"]
                      for c, f in zip(removed, found)]  # fmt: skip
        m = json.loads((out / "metrics" / "topics.json").read_text())
        triples.append({"seed": seed, "removed": removed, "codes": found,
                        "recovered": sum(f["recovered"] for f in found),
                        "recoverable_by_any_topic": sum(f["recovered"] for f in anywhere),
                        "study_least_explained": {"n_candidates": len(extra),
                                                  "recovered": int(sum(with_extra))},
                        "n_topics": m["n_topics"], "n_emergent": m["n_emergent"],
                        "outlier_share_after": m["outlier_share_after"]})  # fmt: skip
        log.info("%s seed %d: %d of 3 recovered", name, seed, triples[-1]["recovered"])
    result["triples"] = triples
    result["mean_recovered_share"] = round(float(np.mean([t["recovered"] / 3 for t in triples])), 4)
    anywhere = [t["recoverable_by_any_topic"] / 3 for t in triples]
    result["mean_recoverable_by_any_topic"] = round(float(np.mean(anywhere)), 4)
    verdicts = [f["diagnosis"]["verdict"] for t in triples for f in t["codes"]]
    result["verdicts"] = {v: verdicts.count(v) for v in sorted(set(verdicts))}
    study = [t["study_least_explained"] for t in triples]
    result["study_least_explained"] = {
        "share": STUDY_SHARE, "size": STUDY_SIZE,
        "mean_candidates": round(float(np.mean([x["n_candidates"] for x in study])), 2),
        "mean_recovered_share": round(float(np.mean([x["recovered"] / 3 for x in study])), 4),
    }  # fmt: skip
    return result


def main() -> int:
    """Run the benchmark on the chosen sets and print the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["sample", "dev_eval"])
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument(
        "--segments", choices=["all", "residual"], default=None, help="topics.segments override"
    )
    args = ap.parse_args()
    SEGMENTS_MODE[0] = args.segments
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if "dev_eval" in args.sets and not DEV_EVAL.is_dir():
        sys.exit(f"error: {DEV_EVAL} not found; run with --sets sample, or add ../shared")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_hidden_codes-"))
    report = {}
    for name in args.sets:
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        report[name] = evaluate_set(name, folder)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print("command: python benchmarks/bench_hidden_codes.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
