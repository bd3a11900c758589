"""The anonymise fuzz corpus (``tests/test_anonymise_fuzz.py``) per class, with and without NER.

Usage: ``python benchmarks/bench_fuzz.py [--out FILE]``

For each case of the corpus (planted identifiers that must not survive, probe terms that
must), runs the anonymise core with the default recognisers, once without the statistical
NER model (what the unit tests check) and once with the shipped model, and reports the share
of planted identifiers removed and of probe terms kept, overall and per class, and the cases
that fail. Target (issue 14): >= 99% of planted identifiers removed, no probe removed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.params import AnonymiseParams  # noqa: E402
from pipeline.recognisers.ner import load_pipeline  # noqa: E402


def _corpus():
    spec = importlib.util.spec_from_file_location("fuzz", ROOT / "tests" / "test_anonymise_fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _score(fuzz, nlp, recognisers: list[str]) -> dict:
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    failures = []
    for case in fuzz.CASES:
        out = fuzz.run_case(case, nlp=nlp, recognisers=recognisers)
        left, lost = fuzz.survivors(case, out), fuzz.lost_probes(case, out)
        counts = per_class[case.klass]
        counts[0] += len(case.planted)
        counts[1] += len(case.planted) - len(left)
        counts[2] += len(case.probes)
        counts[3] += len(case.probes) - len(lost)
        if left or lost:
            failures.append({"case": case.name, "surviving": left, "probes_removed": lost})
    planted = sum(c[0] for c in per_class.values())
    removed = sum(c[1] for c in per_class.values())
    probes = sum(c[2] for c in per_class.values())
    kept = sum(c[3] for c in per_class.values())
    return {
        "planted": planted,
        "removed": removed,
        "removed_share": round(removed / max(planted, 1), 4),
        "probes": probes,
        "probes_kept": kept,
        "per_class": {
            k: {"planted": c[0], "removed": c[1], "probes": c[2], "probes_kept": c[3]}
            for k, c in sorted(per_class.items())
        },
        "failures": failures,
    }


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fuzz = _corpus()
    params = AnonymiseParams()
    nlp = load_pipeline(str(ROOT / params.ner_model))
    result = {
        "command": "python benchmarks/bench_fuzz.py",
        "cases": len(fuzz.CASES),
        "without_ner": _score(fuzz, None, [r for r in params.recognisers if r != "ner"]),
        "with_ner": _score(fuzz, nlp, list(params.recognisers)),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
