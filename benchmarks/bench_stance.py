"""Stance towards each code's aspect, against the two stance golds.

Usage: ``python benchmarks/bench_stance.py [--work DIR] [--reuse] [--out FILE]``

For ``../shared/data/dev_eval`` (no params file, as a new user runs it) and the sample (the
repository's ``params.yaml``), runs ingest, anonymise, embed, embed_codebook and code into a
scratch folder, then applies the stance method to every (interview, turn, code) of the stance
gold (``benchmarks/gold/dev_eval_stance.jsonl``, ``transcripts_sample/gold/gold_stance.jsonl``;
both written before the method) and scores accuracy and macro-F1 over the four stances. Also
scored, for scale: the majority stance, whole-turn VADER sentiment (general sentiment, no
aspect), the codebook's valence prior alone, and the method on the pairs the code stage also
coded (the stance the code stage's own codes get).

Prints one JSON document (written to ``benchmarks/results/stance.json`` with ``--out``). Not
part of the test suite (it needs ``../shared``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.evaluator_files.stance_gold import read_stance_gold  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.run import RunInputs, stage_arguments  # noqa: E402
from pipeline.stages import stage  # noqa: E402
from pipeline.stance import aspect  # noqa: E402
from pipeline.stance.core import StanceModel, questions  # noqa: E402
from pipeline.stance.evaluation import score_against_gold  # noqa: E402
from pipeline.stance.lexicon import Lexicon  # noqa: E402
from pipeline.stance.polarity import decide  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "dev_eval"
KEY = ["interview_id", "turn_index", "code_id"]
PREP_STAGES = ("ingest", "anonymise", "embed", "embed_codebook", "code")


def _sets() -> dict[str, dict]:
    sample_files = {
        "register_file": ROOT / "anonymisation" / "register.yaml",
        "review_decisions": ROOT / "anonymisation" / "decisions.csv",
        "allow_list": ROOT / "anonymisation" / "allow_list.txt",
        "human_codes": ROOT / "transcripts_sample" / "gold" / "gold_codes.jsonl",
        "gold_pii": ROOT / "transcripts_sample" / "gold" / "gold_pii.jsonl",
    }
    return {
        "dev_eval": {
            "transcripts": DEV / "transcripts",
            "metadata": DEV / "metadata.csv",
            "codebook": DEV / "codebook.yaml",
            "params": None,
            "overrides": (),
            "gold": ROOT / "benchmarks" / "gold" / "dev_eval_stance.jsonl",
        },
        "sample": {
            "transcripts": ROOT / "transcripts_sample" / "transcripts",
            "metadata": ROOT / "transcripts_sample" / "metadata.csv",
            "codebook": ROOT / "codebook" / "codebook.yaml",
            "params": ROOT / "params.yaml",
            "overrides": tuple(sample_files.items()),
            "gold": ROOT / "transcripts_sample" / "gold" / "gold_stance.jsonl",
        },
    }


def prepare(spec: dict, work: Path) -> RunInputs:
    """Run the stages before stance into ``work`` (outputs/ and private/)."""
    inputs = RunInputs(
        spec["transcripts"],
        spec["metadata"],
        spec["codebook"],
        work / "outputs",
        work / "private",
        spec["params"],
        overrides=spec["overrides"],
    )
    for name in PREP_STAGES:
        s = stage(name)
        s.main()(**stage_arguments(s, inputs))
    return inputs


def _whole_turn_vader(segments: pd.DataFrame, gold: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """General sentiment of the whole turn (plain VADER), the same stance for every code."""
    text = segments.groupby(["interview_id", "turn_index"])["text"].apply(" ".join)
    rows = []
    for r in gold.itertuples(index=False):
        c = lexicon.analyzer.polarity_scores(text.get((r.interview_id, r.turn_index), ""))
        stance = decide(c["pos"], c["neg"], 0.05, 0.5)
        rows.append((r.interview_id, r.turn_index, r.code_id, stance))
    return pd.DataFrame(rows, columns=[*KEY, "stance"])


def evaluate(name: str, spec: dict, work: Path) -> dict:
    """Every score for one set."""
    out, book = work / "outputs", load_codebook(spec["codebook"])
    settings = load_params(spec["params"]).stance
    segments = pd.read_parquet(out / "segments" / "segments.parquet")
    embeddings = np.load(out / "segments" / "embeddings.npy")
    vectors = pd.read_parquet(out / "coding" / "codebook_vectors.parquet")
    turn_codes = pd.read_parquet(out / "coding" / "turn_codes.parquet")
    gold = read_stance_gold(spec["gold"], {c.id for c in book.leaves()})
    model = StanceModel(book, vectors, settings)
    scored = model.evidence(segments)
    rel = aspect.relevance(embeddings, model.centroids)
    asked = questions(pd.read_parquet(out / "anonymised" / "turns.parquet"))
    method = score_against_gold(model.turn_stance(gold[KEY], scored, rel, asked), gold)
    coded = gold.merge(turn_codes[KEY].astype({"interview_id": str, "code_id": str}), on=KEY)
    on_coded = model.turn_stance(turn_codes[KEY].astype({"interview_id": str}), scored, rel, asked)
    prior = gold[KEY].assign(
        stance=[
            decide(max(model.priors[c], 0), max(-model.priors[c], 0), 0.05, 0.5)
            for c in gold["code_id"]
        ]
    )
    plain = Lexicon()
    return {
        "gold_file": str(spec["gold"].relative_to(ROOT)),
        "method": method,
        "on_machine_coded_pairs": {
            "pairs": len(coded),
            **{
                k: v
                for k, v in score_against_gold(on_coded, coded).items()
                if k in ("accuracy", "macro_f1")
            },
        },
        "baseline_whole_turn_vader": {
            k: v
            for k, v in score_against_gold(_whole_turn_vader(segments, gold, plain), gold).items()
            if k in ("accuracy", "macro_f1", "predicted_by_stance")
        },
        "baseline_majority_class_accuracy": round(
            float(gold["stance"].value_counts().iloc[0] / len(gold)), 4
        ),
        "baseline_codebook_prior_only": {
            k: v
            for k, v in score_against_gold(prior, gold).items()
            if k in ("accuracy", "macro_f1", "predicted_by_stance")
        },
    }


def main() -> int:
    """Prepare, score, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp one)")
    ap.add_argument("--reuse", action="store_true", help="reuse an earlier --work run's outputs")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    if not (DEV / "codebook.yaml").is_file():
        print(
            f"{DEV}: dev_eval set not found; put ../shared beside the repository", file=sys.stderr
        )
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="qualeval-stance-"))
    result = {"command": "python benchmarks/bench_stance.py --out benchmarks/results/stance.json"}
    for name, spec in _sets().items():
        if not (
            args.reuse and (work / name / "outputs" / "coding" / "turn_codes.parquet").is_file()
        ):
            prepare(spec, work / name)
        result[name] = evaluate(name, spec, work / name)
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
