"""The review loop, simulated from the gold: how coding improves as a reviewer reviews turns.

Usage: ``python benchmarks/bench_review_loop.py [--sets sample,dev_eval] [--work DIR]
[--step 0.05] [--until 0.25] [--seeds N] [--out FILE]``

For each set (the sample, with its ``params.yaml`` but no human codes; ``dev_eval`` from
``../shared/data/dev_eval`` with no params file, as a new user runs it, using
``bench_dev_eval.copy_project``) the stages up to ``embed_codebook`` are run once in a scratch
project; then the code path runs in-process, round after round, exactly as the pipeline does:

1. code every turn (:func:`pipeline.coding.code_segments`, calibrated on the reviewed turns
   only) and apply the review (:func:`pipeline.coding.review.apply_review`);
2. build the review sheet (:func:`pipeline.compare.review_sheet`: uncertainty batch plus a
   seeded random evaluation share of ``review.evaluation_share``) with a batch of ``--step``
   of the gold's turns, and "review" the proposed turns: their codes become the gold's (a
   reviewer who reviews what is proposed and gets it right);
3. until ``--until`` of the turns are reviewed.

At every round it reports, on the gold turns *not yet reviewed*: micro-F1, precision, recall
and macro Cohen's kappa of the final codes (the machine's, as the review does not touch
them); the agreement the compare stage would report (basis and n: the random share only);
and the report-count criterion: per leaf code, interviews raising it (after review, and the
prevalence table's adjusted estimate) against the gold's count, and the share of codes within
+-2 interviews. With ``--seeds N`` the curve is rerun with N review seeds and the last
round's figures are given per seed and as their mean (one seed's random share decides a few
codes either way). Prints the learning curve and one JSON document (``--out``; default
``benchmarks/results/review_loop.json``). Not part of the test suite (needs ``../shared``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dev_eval import DEFAULT_DATA, copy_project  # noqa: E402

from pipeline import agreement  # noqa: E402
from pipeline.codebook import Codebook, load_codebook  # noqa: E402
from pipeline.coding import cached_encoder, code_segments  # noqa: E402
from pipeline.coding.review import apply_review  # noqa: E402
from pipeline.compare import (  # noqa: E402
    honest_agreement,
    honest_basis,
    prevalence,
    review_sheet,
    turn_uncertainty,
)
from pipeline.compare.sheet import evaluation_draw  # noqa: E402
from pipeline.evaluator_files.review import YES, Review  # noqa: E402
from pipeline.params import CodeParams, ReviewParams, load_params  # noqa: E402
from pipeline.run import RunInputs, stage_arguments  # noqa: E402
from pipeline.stages import STAGES  # noqa: E402

KEYS = ["interview_id", "turn_index"]
CODING = ["interview_id", "turn_index", "code_id"]
PREPARE = ("ingest", "anonymise", "embed", "embed_codebook")


def _tuples(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return [(str(r[0]), int(r[1]), *r[2:]) for r in df[cols].itertuples(index=False, name=None)]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def prepare(work: Path, inputs: RunInputs) -> None:
    """Run the stages before ``code`` (ingest, anonymise, embed, embed_codebook)."""
    if (work / "outputs" / "coding" / "codebook_vectors.parquet").is_file():
        return
    for stage in STAGES:
        if stage.name in PREPARE:
            stage.main()(**stage_arguments(stage, inputs))


def sample_inputs(work: Path) -> tuple[RunInputs, Path, Path]:
    """The sample with its params.yaml (run from the repository root) but no human codes."""
    p = load_params(ROOT / "params.yaml")
    inputs = RunInputs(
        ROOT / p.data.transcripts_dir,
        ROOT / p.data.metadata,
        ROOT / p.codebook.path,
        work / "outputs",
        work / "private",
        ROOT / "params.yaml",
        overrides=(("human_codes", None), ("review", None)),
    )
    return inputs, ROOT / p.codebook.path, ROOT / "transcripts_sample" / "gold" / "gold_codes.jsonl"


def dev_inputs(work: Path, data: Path) -> tuple[RunInputs, Path, Path]:
    """dev_eval as a new user runs it: no params file, no evaluator files."""
    if not (work / "codebook.yaml").is_file():
        copy_project(data, work)
    inputs = RunInputs(
        work / "transcripts",
        work / "metadata.csv",
        work / "codebook.yaml",
        work / "outputs",
        work / "private",
        None,
    )
    return inputs, work / "codebook.yaml", data / "gold" / "gold_codes.jsonl"


def _no_model(texts: list[str]) -> np.ndarray:
    raise RuntimeError(f"{len(texts)} codebook texts are not in the codebook vectors")


def review_material(
    book: Codebook,
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    human: pd.DataFrame,
    reviewed: pd.DataFrame,
    held_out: pd.DataFrame | None = None,
    uncoded: bool = True,
) -> tuple[Codebook, dict[str, np.ndarray]]:
    """The codebook with reviewed turns as extra material, and those texts' vectors.

    A measured variant (``--material``), not the pipeline's behaviour: it helps the sample
    and not dev_eval, so the pipeline does not do it.

    A reviewed turn with a code becomes an example of that code; one with no code an
    ``uncoded`` example (with ``uncoded``). Turns in ``held_out`` (the random evaluation
    share) are left out, so the machine's decisions on them stay honest. The vector of a
    turn is its pooled segment embedding, as the coders score turns.
    """
    keys = _tuples(segments, KEYS)
    rows_of: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(keys):
        rows_of.setdefault(key, []).append(i)
    skip = set() if held_out is None else set(_tuples(held_out, KEYS))
    by_turn: dict[tuple[str, int], list[str]] = {}
    for iv, ti, code in _tuples(human, CODING):
        by_turn.setdefault((iv, ti), []).append(code)
    texts = segments["text"].astype(str).to_numpy()
    vectors: dict[str, np.ndarray] = {}
    examples: dict[str, list[str]] = {}
    empty: list[str] = []
    for turn in sorted(set(_tuples(reviewed, KEYS)) - skip):
        members = rows_of.get(turn)
        if not members:
            continue
        text = " ".join(texts[members])
        vec = np.asarray(embeddings[members], dtype=np.float32).sum(axis=0)
        vectors[text] = vec / max(float(np.linalg.norm(vec)), 1e-12)
        for code in by_turn.get(turn, []):
            examples.setdefault(code, []).append(text)
        if not by_turn.get(turn):
            empty.append(text)
    leaves = {c.id for c in book.leaves()}
    codes = [
        c.model_copy(update={"examples": [*c.examples, *examples.get(c.id, [])]})
        if c.id in leaves
        else c
        for c in book.codes
    ]
    update: dict = {"codes": codes}
    if uncoded and empty:
        update["uncoded"] = [*book.uncoded, *empty]
    return book.model_copy(update=update), vectors


def _with_vectors(encode, extra: dict):
    """``encode`` that also knows the reviewed turns' vectors."""

    def enc(texts):
        texts = list(texts)
        rest = [t for t in texts if t not in extra]
        got = dict(zip(rest, encode(rest))) if rest else {}
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([extra[t] if t in extra else got[t] for t in texts])

    return enc


class Corpus:
    """What the code path reads, loaded once: segments, embeddings, codebook, gold."""

    def __init__(self, work: Path, codebook: Path, gold: Path, params: CodeParams) -> None:
        """Load the project's code-stage inputs and the gold's turns that were segmented."""
        out = work / "outputs"
        self.segments = pd.read_parquet(out / "segments" / "segments.parquet")
        self.embeddings = np.load(out / "segments" / "embeddings.npy")
        questions = out / "segments" / "question_embeddings.npy"
        # the pipeline's code stage reads the interviewer's questions too (question_weight)
        self.questions = np.load(questions) if questions.is_file() else None
        table = pd.read_parquet(
            out / "coding" / "codebook_vectors.parquet", columns=["text", "vector"]
        )
        self.encode = cached_encoder(table, _no_model)
        self.book: Codebook = load_codebook(codebook)
        self.codes = [c.id for c in self.book.leaves()]
        self.params = params
        self.material = ""
        seg_turns = set(
            zip(self.segments.interview_id.astype(str), self.segments.turn_index.astype(int))
        )
        rows = [
            r for r in _jsonl(gold) if (str(r["interview_id"]), int(r["turn_index"])) in seg_turns
        ]
        self.gold_turns = pd.DataFrame(
            [(str(r["interview_id"]), int(r["turn_index"])) for r in rows], columns=KEYS
        )
        self.gold = pd.DataFrame(
            [(str(r["interview_id"]), int(r["turn_index"]), c) for r in rows for c in r["codes"]],
            columns=CODING,
        )

    def code(self, review: Review | None):
        """The code stage's result (after the review, if any)."""
        human = None if review is None else review.codes
        turns = None if review is None else review.turns
        book, encode = self.book, self.encode
        if review is not None and self.material:
            book, extra = review_material(
                self.book,
                self.segments,
                self.embeddings,
                review.codes,
                review.turns,
                review.evaluation,
                uncoded=self.material == "examples+uncoded",
            )
            encode = _with_vectors(self.encode, extra)
        result = code_segments(
            self.segments,
            self.embeddings,
            book,
            self.params,
            encode,
            human,
            None,
            turns,
            questions=self.questions,
        )
        if review is not None:
            result = apply_review(result, self.segments, self.codes, review.codes, review.turns)
        return result


def _keyset(df: pd.DataFrame) -> set[tuple[str, int]]:
    return set(zip(df["interview_id"].astype(str), df["turn_index"].astype(int)))


def score_turns(c: Corpus, turn_codes: pd.DataFrame, reviewed: set) -> dict:
    """Agreement of the final codes with the gold on the gold turns not reviewed."""
    keys = [k for k in zip(c.gold_turns.interview_id, c.gold_turns.turn_index) if k not in reviewed]
    pos = {k: i for i, k in enumerate(keys)}
    ref = agreement.coding_matrix(c.gold, pos, c.codes)
    pred = agreement.coding_matrix(turn_codes, pos, c.codes)
    active = [j for j in range(len(c.codes)) if ref[:, j].any() or pred[:, j].any()]
    kappas = [agreement.kappa(pred[:, j], ref[:, j]) for j in active]
    return {
        "turns": len(keys),
        "micro_f1": round(agreement.f1(pred, ref), 4),
        "precision": round(agreement.precision(pred, ref), 4),
        "recall": round(agreement.recall(pred, ref), 4),
        "macro_kappa": round(float(np.mean(kappas)), 4) if kappas else None,
    }


def score_counts(c: Corpus, turn_codes: pd.DataFrame, prev: pd.DataFrame) -> dict:
    """Interviews per leaf code against the gold's: observed and adjusted, share within +-2."""
    ivs = set(c.gold_turns.interview_id)
    gold = c.gold.groupby("code_id")["interview_id"].nunique()
    final = turn_codes[turn_codes.interview_id.isin(ivs)].groupby("code_id")["interview_id"]
    final = final.nunique()
    est = prev.set_index("code_id")["estimate"]
    diff = np.array([final.get(k, 0) - gold.get(k, 0) for k in c.codes], dtype=float)
    diff_est = np.array([round(est.get(k, 0)) - gold.get(k, 0) for k in c.codes], dtype=float)
    covered = [
        bool(r.lower <= gold.get(r.code_id, 0) <= r.upper)
        for r in prev.itertuples()
        if not math.isnan(r.lower)
    ]
    return {
        "codes": len(c.codes),
        "within_2_observed": round(float((np.abs(diff) <= 2).mean()), 4),
        "within_2_estimate": round(float((np.abs(diff_est) <= 2).mean()), 4),
        "mean_abs_diff_observed": round(float(np.abs(diff).mean()), 3),
        "mean_abs_diff_estimate": round(float(np.abs(diff_est).mean()), 3),
        "max_abs_diff_observed": int(np.abs(diff).max()),
        "interval_covers_gold": round(float(np.mean(covered)), 4) if covered else None,
    }


def simulate_review(c: Corpus, batch: pd.DataFrame, review: Review | None) -> Review:
    """The proposed turns reviewed, their codes taken from the gold; the review so far."""
    new_turns = batch[KEYS].astype({"interview_id": str, "turn_index": "int64"})
    new_eval = batch[batch.evaluation == YES][KEYS].astype(
        {"interview_id": str, "turn_index": "int64"}
    )
    keys = _keyset(new_turns)
    gold_rows = c.gold[[k in keys for k in zip(c.gold.interview_id, c.gold.turn_index)]]
    parts = [(gold_rows, new_turns, new_eval)]
    if review is not None:
        parts.insert(0, (review.codes, review.turns, review.evaluation))
    cat = [pd.concat([p[i] for p in parts], ignore_index=True) for i in range(3)]
    return Review(cat[0].drop_duplicates(), cat[1].drop_duplicates(), cat[2].drop_duplicates())


def _round(c: Corpus, review: Review | None, rp: ReviewParams) -> tuple[dict, object]:
    result = c.code(review)
    reviewed = set() if review is None else _keyset(review.turns)
    basis = honest_basis(result.turn_scores, None, review)
    prev = prevalence(
        result.turn_scores,
        result.turn_codes,
        None if review is None else review.turns,
        basis,
        c.codes,
        rp,
    )
    row = {
        "reviewed_turns": len(reviewed),
        "reviewed_share": round(len(reviewed) / len(c.gold_turns), 4),
        "unreviewed": score_turns(c, result.turn_codes, reviewed),
        "counts": score_counts(c, result.turn_codes, prev),
        "calibration": result.stats["calibration"],
    }
    if basis is not None:
        _, summary = honest_agreement(result.turn_scores, basis, c.codes)
        row["reported_agreement"] = {
            "basis": summary["basis"],
            "n_turns": summary["n_turns"],
            "micro_f1": summary["micro_f1"],
            "macro_kappa": summary["macro_kappa"],
        }
    return row, result


def _pps_probabilities(size: np.ndarray, n: int) -> np.ndarray:
    """Inclusion probabilities proportional to ``size`` summing to ``n``, capped at 1."""
    pi, free = np.zeros(len(size)), np.ones(len(size), dtype=bool)
    for _ in range(len(size) + 1):
        pi[free] = (n - (~free).sum()) * size[free] / size[free].sum()
        over = free & (pi >= 1.0)
        if not over.any():
            break
        pi[over], free = 1.0, free & ~over
    return np.clip(pi, 0.0, 1.0)


def pps_batch(
    turns: pd.DataFrame, reviewed: set, rp: ReviewParams, share: float = 0.5, scale: float = 0.05
) -> pd.DataFrame:
    """A measured variant of the batch (``--design pps``), not the pipeline's behaviour.

    The random evaluation share as the pipeline draws it; the rest by systematic sampling
    with probability proportional to ``share / n + (1 - share) * k / sum(k)``,
    ``k = exp(-margin / scale)`` (a defensive mixture of uniform and uncertainty sampling),
    so every open turn has a known, non-zero chance: the rates the counts use are then
    measured on turns far from every threshold too (ADR 0041: it did not help both sets).
    """
    keys, open_rows, random_rows, size, rng = evaluation_draw(turns, reviewed, rp)
    n_random = len(random_rows)
    rest = open_rows[~np.isin(open_rows, random_rows)]
    k = np.exp(-turns["margin"].to_numpy(dtype=np.float64)[rest] / scale)
    pi = _pps_probabilities(share / len(rest) + (1 - share) * k / k.sum(), size - n_random)
    order = rng.permutation(len(rest))
    marks = rng.random() + np.arange(size - n_random)
    hit = np.searchsorted(np.cumsum(pi[order]), marks, side="right")
    picked = order[np.clip(hit, 0, len(rest) - 1)]
    rows = [(*keys[r], YES) for r in random_rows] + [(*keys[r], "") for r in rest[picked]]
    return pd.DataFrame(rows, columns=[*KEYS, "evaluation"]).drop_duplicates(KEYS)


def learning_curve(
    c: Corpus, step: float, until: float, rp: ReviewParams, design: str = "uncertainty"
) -> list[dict]:
    """Rounds of review (``step`` of the gold turns each) until ``until`` are reviewed."""
    n_gold = len(c.gold_turns)
    per_round = max(1, math.ceil(step * n_gold))
    review, rows = None, []
    gold_keys = _keyset(c.gold_turns)
    while True:
        row, result = _round(c, review, rp)
        rows.append(row)
        done = row["reviewed_turns"]
        if done >= until * n_gold - 1e-9 or done >= n_gold:
            return rows
        target = min(per_round, math.ceil(until * n_gold) - done)
        ts = result.turn_scores
        ts = ts[[k in gold_keys for k in zip(ts.interview_id, ts.turn_index)]]
        params = rp.model_copy(update={"batch": target, "seed": rp.seed + len(rows)})
        if design == "pps":
            done_keys = set() if review is None else _keyset(review.turns)
            batch = pps_batch(turn_uncertainty(ts), done_keys, params)
        else:
            sheet = review_sheet(ts, result.turn_codes, c.segments, params, review)
            batch = sheet[sheet["order"].notna()]
        review = simulate_review(c, batch, review)


def at(rows: list[dict], share: float) -> dict | None:
    """The first round with at least ``share`` of the gold turns reviewed."""
    return next((r for r in rows if r["reviewed_share"] >= share - 1e-3), None)


def run_set(name: str, work: Path, args: argparse.Namespace) -> dict:
    """Prepare one set and run its learning curve."""
    work.mkdir(parents=True, exist_ok=True)
    if name == "sample":
        inputs, codebook, gold = sample_inputs(work)
        params = load_params(ROOT / "params.yaml")
    else:
        inputs, codebook, gold = dev_inputs(work, args.data)
        params = load_params(None)
    started = time.perf_counter()
    prepare(work, inputs)
    prepared = time.perf_counter() - started
    corpus = Corpus(work, codebook, gold, params.code)
    corpus.material = args.material
    started = time.perf_counter()
    rows = learning_curve(corpus, args.step, args.until, params.review, args.design)
    summary = {
        "gold_turns": len(corpus.gold_turns),
        "interviews": int(corpus.gold_turns.interview_id.nunique()),
        "codes": len(corpus.codes),
        "prepare_seconds": round(prepared, 1),
        "loop_seconds": round(time.perf_counter() - started, 1),
        "curve": rows,
    }
    for share in (0.10, 0.25):
        row = at(rows, share)
        if row is not None:
            summary[f"reviewed_{round(share * 100)}pct"] = {
                "micro_f1_unreviewed": row["unreviewed"]["micro_f1"],
                "macro_kappa_unreviewed": row["unreviewed"]["macro_kappa"],
                "counts_within_2_observed": row["counts"]["within_2_observed"],
                "counts_within_2_estimate": row["counts"]["within_2_estimate"],
            }
    if args.seeds > 1:
        summary["seeds"] = replicates(corpus, args, params.review, rows)
    return summary


def replicates(c: Corpus, args: argparse.Namespace, rp: ReviewParams, first: list[dict]) -> dict:
    """The last round's figures over ``--seeds`` review seeds (``review.seed + 100 s``).

    One seed's random share and bootstrap decide a few codes' counts either way; the mean
    over seeds is what a design change is judged on.
    """
    lasts = [first[-1]]
    for s in range(1, args.seeds):
        seeded = rp.model_copy(update={"seed": rp.seed + 100 * s})
        lasts.append(learning_curve(c, args.step, args.until, seeded, args.design)[-1])
    figures = {
        "micro_f1_unreviewed": [r["unreviewed"]["micro_f1"] for r in lasts],
        "counts_within_2_estimate": [r["counts"]["within_2_estimate"] for r in lasts],
        "mean_abs_diff_estimate": [r["counts"]["mean_abs_diff_estimate"] for r in lasts],
        "interval_covers_gold": [r["counts"]["interval_covers_gold"] for r in lasts],
    }
    out: dict = {"reviewed_turns": [r["reviewed_turns"] for r in lasts]}
    for key, values in figures.items():
        out[key] = {"mean": round(float(np.mean(values)), 4), "values": values}
    return out


def _print_curve(name: str, rows: list[dict]) -> None:
    head = "reviewed  micro-F1(unreviewed)  P     R     macro-k  counts+-2(obs/est)  reported"
    print(f"\n{name}: {head}")
    for r in rows:
        u, k = r["unreviewed"], r["counts"]
        rep = r.get("reported_agreement")
        shown = f"{rep['micro_f1']:.3f} (n={rep['n_turns']})" if rep else "-"
        print(
            f"  {r['reviewed_share']:>6.0%} ({r['reviewed_turns']:>3})  {u['micro_f1']:.3f}"
            f"               {u['precision']:.2f}  {u['recall']:.2f}  {u['macro_kappa'] or 0:.3f}"
            f"    {k['within_2_observed']:.2f} / {k['within_2_estimate']:.2f}         {shown}"
        )


def main() -> int:
    """Run, print the learning curves, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="sample,dev_eval")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the dev_eval folder")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (reused if given)")
    ap.add_argument("--step", type=float, default=0.05, help="share of turns reviewed per round")
    ap.add_argument(
        "--material",
        choices=["", "examples", "examples+uncoded"],
        default="",
        help="also add the reviewed turns (not the evaluation share) to the codebook material",
    )
    ap.add_argument(
        "--design",
        choices=["uncertainty", "pps"],
        default="uncertainty",
        help="the batch: the pipeline's (uncertainty sampling) or a measured PPS variant",
    )
    ap.add_argument(
        "--seeds", type=int, default=1, help="review seeds for the last round's mean (replicates)"
    )
    ap.add_argument("--until", type=float, default=0.25, help="share of turns reviewed at the end")
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "review_loop.json"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.chdir(ROOT)  # the sample's params.yaml names its files relative to the repository
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if "dev_eval" in sets and not (args.data / "gold" / "gold_codes.jsonl").is_file():
        print(f"{args.data}: dev_eval set not found; pass --data or --sets sample", file=sys.stderr)
        return 2
    work = (args.work or Path(tempfile.mkdtemp(prefix="qualeval-review-loop-"))).resolve()
    result = {
        "command": "python benchmarks/bench_review_loop.py " + " ".join(sys.argv[1:]),
        "step": args.step,
        "until": args.until,
        "sets": {name: run_set(name, work / name, args) for name in sets},
    }
    for name, res in result["sets"].items():
        _print_curve(name, res["curve"])
        if "seeds" in res:
            rep = res["seeds"]
            print(
                f"  over {len(rep['reviewed_turns'])} seeds: micro-F1 "
                f"{rep['micro_f1_unreviewed']['mean']:.3f}, counts+-2 "
                f"{rep['counts_within_2_estimate']['mean']:.3f}"
            )
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
