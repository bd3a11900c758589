"""Anonymisation recall and precision on the Text Anonymization Benchmark (TAB) dev subset.

Usage::

    python benchmarks/bench_tab.py [--shared PATH] [--no-ner] [--profile {interview,legal}]
                                   [--preds FILE] [--out FILE] [--repeat N]

Needs ``../shared/data/tab/tab_subset_dev.json`` and ``../shared/tools/eval_tab.py`` (pass
``--shared`` for another location). Each TAB document (an ECHR judgment) becomes one
"interview" whose turns are its paragraphs (non-empty lines), each remembering its offset in
the document, so the stage's mention offsets map back to document offsets. The stage runs with
the project's ``params.yaml`` (no register, no review decisions, the project allow-list):

* ``--profile interview`` (default): ``anonymise.recognisers`` exactly as in params.yaml;
* ``--profile legal``: the same, with ``anonymisation/allow_list_legal.txt`` as allow-list,
  plus the opt-in recognisers of
  :mod:`pipeline.recognisers.legal` (case numbers, years, demographics, countries), params.yaml
  left unchanged.

The masked spans go to ``--preds`` (default: a temporary file) as ``{doc_id: [[start, end],
...]}``, the shared scorer is run on them, and a JSON report (ER_di, ER_qi, token recall and
precision, seconds and words/s of the ``anonymise()`` call, wall clock and CPU, cold and again
warm (the median of ``--repeat`` further calls; the first call builds the gazetteer indexes)
is printed and written to ``--out``.
The dev subset is small (21 documents, one annotator each) and recognisers were tuned on it:
read its numbers as optimistic. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import anonymise as A  # noqa: E402
from pipeline.evaluator_files.allow_list import read_allow_list  # noqa: E402
from pipeline.params import AnonymiseParams, load_params  # noqa: E402
from pipeline.recognisers import legal  # noqa: E402
from pipeline.recognisers.base import clear_token_cache  # noqa: E402

GOLD = Path("data/tab/tab_subset_dev.json")
SCORER = Path("tools/eval_tab.py")
_PARAGRAPH = re.compile(r"[^\n]+")


def turns_from_docs(docs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One turn per paragraph (non-empty line) of each document.

    Returns:
        The turns table, the interviews table, and ``(doc_id, turn_index) -> offset`` of
        each turn's text in its document.
    """
    rows, offsets = [], {}
    for doc in docs:
        turn = 0
        for m in _PARAGRAPH.finditer(doc["text"]):
            if not m.group(0).strip():
                continue
            rows.append(
                {
                    "interview_id": doc["doc_id"],
                    "turn_index": turn,
                    "speaker_label": "Respondent",
                    "speaker_role": "respondent",
                    "role_rule": "pattern",
                    "text": m.group(0),
                }
            )
            offsets[(doc["doc_id"], turn)] = m.start()
            turn += 1
    turns = pd.DataFrame(rows)
    interviews = pd.DataFrame({"interview_id": [d["doc_id"] for d in docs]})
    return turns, interviews, offsets


def profile_params(base: AnonymiseParams, profile: str, ner: bool) -> AnonymiseParams:
    """The anonymise params of a profile: params.yaml's, plus the legal recognisers if asked."""
    names = [n for n in base.recognisers if ner or n != "ner"]
    if profile == "legal":
        extra = [c.name for c in legal.LEGAL_RECOGNISERS if c.name not in names]
        at = names.index("date") + 1 if "date" in names else len(names)
        names = [*names[:at], *extra, *names[at:]]
    return base.model_copy(update={"recognisers": names})


def spans_from_mentions(mentions: pd.DataFrame, offsets: dict, doc_ids: list[str]) -> dict:
    """Document-level ``[start, end]`` spans per document, sorted."""
    preds: dict[str, list[list[int]]] = {d: [] for d in doc_ids}
    for iv, turn, start, end in zip(
        mentions["interview_id"], mentions["turn_index"], mentions["start"], mentions["end"]
    ):
        base = offsets[(str(iv), int(turn))]
        preds[str(iv)].append([base + int(start), base + int(end)])
    return {d: sorted(s) for d, s in preds.items()}


def score(scorer: Path, gold: Path, preds_path: Path) -> tuple[dict, str]:
    """Run the shared TAB scorer in a subprocess; its JSON results and its printed text."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scores.json"
        cmd = [sys.executable, str(scorer), str(gold), str(preds_path), "--per-type"]
        cmd += ["--json", str(out)]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            sys.exit(f"eval_tab.py failed ({proc.returncode}): {proc.stderr.strip()}")
        return json.loads(out.read_text()), proc.stdout + proc.stderr


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--no-ner", action="store_true", help="run without the NER recogniser")
    ap.add_argument("--profile", choices=("interview", "legal"), default="interview")
    ap.add_argument("--preds", type=Path, help="where to write the predicted spans (JSON)")
    ap.add_argument("--out", type=Path, help="also write the report here (JSON)")
    ap.add_argument("--repeat", type=int, default=7, help="warm calls (their median is given)")
    args = ap.parse_args()

    gold, scorer = args.shared / GOLD, args.shared / SCORER
    if not gold.is_file() or not scorer.is_file():
        sys.exit(
            f"needs the TAB dev subset {gold} and the scorer {scorer}: "
            "mount the shared data or pass --shared PATH"
        )
    params = load_params(ROOT / "params.yaml")
    p = profile_params(params.anonymise, args.profile, ner=not args.no_ner)
    nlp = None
    if not args.no_ner:
        model = ROOT / p.ner_model
        if not (model / "meta.json").is_file():
            sys.exit(f"no NER model at {model}: train it (make train-ner) or pass --no-ner")
        from pipeline.recognisers.ner import load_pipeline

        nlp = load_pipeline(str(model))

    docs = json.loads(gold.read_text(encoding="utf-8"))
    turns, interviews, offsets = turns_from_docs(docs)
    # the interview allow-list keeps regions and nations ("London", "England"); in a legal
    # judgment the country and city of the case are quasi-identifiers, so --profile legal
    # uses the legal one (procedural vocabulary: "Court", "Convention", "Rule")
    if args.profile == "legal":
        allow = read_allow_list(ROOT / "anonymisation" / "allow_list_legal.txt")
    elif params.data.allow_list:
        allow = read_allow_list(ROOT / params.data.allow_list)
    else:
        allow = []

    def run() -> tuple[A.AnonymiseResult, float, float]:
        # the token cache would let a second call skip tokenising the same texts
        clear_token_cache()
        t0, c0 = time.perf_counter(), time.process_time()
        res = A.anonymise(
            turns,
            interviews,
            p,
            allow=allow,
            name_columns=params.ingest.name_columns,
            nlp=nlp,
            progress=False,
        )
        return res, time.perf_counter() - t0, time.process_time() - c0

    res, elapsed, cpu = run()
    # the first call also builds the gazetteer indexes and warms spaCy (once per process);
    # further calls on the same texts (token cache cleared) measure the stage's steady rate,
    # as the median of --repeat calls: one call on a shared virtual machine varies by +-30%
    again = [run()[1:] for _ in range(max(1, args.repeat))]
    warm = statistics.median(w for w, _ in again)
    cpu_warm = statistics.median(c for _, c in again)
    preds = spans_from_mentions(res.mentions, offsets, [d["doc_id"] for d in docs])

    with tempfile.TemporaryDirectory() as tmp:
        preds_path = args.preds or Path(tmp) / "preds.json"
        preds_path.write_text(json.dumps(preds), encoding="utf-8")
        scores, printed = score(scorer, gold, preds_path)
    print(printed.rstrip(), file=sys.stderr)

    words = res.stats["words"]
    report = {
        "profile": args.profile,
        "ner": nlp is not None,
        "recognisers": res.stats["recognisers"],
        "n_docs": scores["n_docs"],
        "ER_di": round(scores["ER_di"], 4),
        "ER_qi": round(scores["ER_qi"], 4),
        "token_recall": round(scores["token_recall"], 4),
        "token_recall_di": round(scores["token_recall_di"], 4),
        "token_recall_qi": round(scores["token_recall_qi"], 4),
        "token_precision": round(scores["P_micro"], 4),
        "token_precision_any": round(scores["P_any"], 4),
        "token_recall_by_type": {
            t: round(r, 4) for t, (r, _) in scores.get("token_recall_by_type", {}).items()
        },
        "replacements_by_recogniser": res.stats["replacements_by_recogniser"],
        "words": words,
        "seconds": round(elapsed, 3),
        "words_per_s": round(words / max(elapsed, 1e-9)),
        "warm_calls": max(1, args.repeat),
        "seconds_warm": round(warm, 3),
        "words_per_s_warm": round(words / max(warm, 1e-9)),
        # CPU time of this process: what the words cost when other work shares the cores
        "cpu_seconds": round(cpu, 3),
        "words_per_cpu_s": round(words / max(cpu, 1e-9)),
        "cpu_seconds_warm": round(cpu_warm, 3),
        "words_per_cpu_s_warm": round(words / max(cpu_warm, 1e-9)),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
