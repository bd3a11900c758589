"""The anonymise stage side by side with Presidio (analyze + anonymize), same NER model.

Usage::

    python benchmarks/bench_presidio.py [--copies 20] [--target DIR] [--out FILE]

Presidio is not a qualeval dependency. The benchmark installs ``presidio-analyzer``,
``presidio-anonymizer``, ``tldextract`` and ``requests-file`` from the package registry into
``--target`` (default ``.cache/presidio``, git-ignored) without their dependencies: the rest
(spaCy, phonenumbers, regex, PyYAML, cryptography) are qualeval's own. tldextract is given its
bundled suffix list, so nothing is fetched at run time.

The corpus is the ingested sample (every turn) replicated ``--copies`` times with new
interview ids (issue 20: "the 20x sample"). Both sides get the same texts:

* **qualeval**: :func:`pipeline.anonymise.anonymise` with the project's params and allow-list
  (detection, linking, consistent pseudonyms, the private tables);
* **Presidio**: ``AnalyzerEngine.analyze`` with its predefined recognisers and qualeval's NER
  model as its spaCy pipeline (PERSON, ORG, LOC mapped to PERSON, ORGANIZATION, LOCATION),
  then ``AnonymizerEngine.anonymize`` (type placeholders), text by text.

Each side is timed twice: in-process (NER model loaded beforehand: the per-word cost) and as
a whole process (``--side``: Python start, imports, model load and the run, over a corpus file
in a temporary folder), as the DVC stage runs. It prints and writes (``--out``, default
``benchmarks/results/presidio.json``) wall and CPU seconds, words per second and the two
ratios. Needs no ``../shared``; not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PACKAGES = ("presidio-analyzer", "presidio-anonymizer", "tldextract", "requests-file")
NER_MAPPING = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"}
DEFAULT_TARGET = ROOT / ".cache" / "presidio"


def install_presidio(target: Path) -> None:
    """Install Presidio into ``target`` unless it is there already (registry only)."""
    if (target / "presidio_analyzer").is_dir() and (target / "presidio_anonymizer").is_dir():
        return
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    cmd += ["--no-deps", "--target", str(target), *PACKAGES]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"could not install Presidio into {target}: {proc.stderr.strip()[-500:]}")


def presidio_engines(nlp) -> tuple:
    """Presidio's analyzer (predefined recognisers, ``nlp`` as its spaCy model) and anonymizer."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    # the bundled public-suffix snapshot: no download at run time
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    config = NerModelConfiguration(model_to_presidio_entity_mapping=NER_MAPPING)
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": str(ROOT / "pipeline/models/ner_en_qualeval")}],
        ner_model_configuration=config,
    )
    engine.nlp = {"en": nlp}  # loaded by qualeval, not by Presidio's downloader
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=engine, languages=["en"])
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


def run_presidio(texts: list[str], analyzer, anonymizer) -> int:
    """Analyze and anonymize every text; the number of entities replaced."""
    replaced = 0
    for text in texts:
        found = analyzer.analyze(text=text, language="en")
        anonymizer.anonymize(text=text, analyzer_results=found)
        replaced += len(found)
    return replaced


def run_qualeval(turns: pd.DataFrame, interviews: pd.DataFrame, nlp) -> int:
    """The anonymise core over the turns, as the stage calls it; the number of replacements."""
    from bench_sample_anonymise import anonymise_turns

    from pipeline.codebook import load_codebook
    from pipeline.evaluator_files.allow_list import allow_terms
    from pipeline.params import load_params

    params = load_params(ROOT / "params.yaml")
    allow = allow_terms(ROOT / params.data.allow_list, params.anonymise.allow)
    codebook = load_codebook(ROOT / params.codebook.path)
    res = anonymise_turns(turns, interviews, params, nlp, allow, codebook)
    return int(res.stats["replacements"])


def corpus(copies: int, work: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ingested sample's turns and interviews, ``copies`` times with new interview ids."""
    from bench_sample_anonymise import _ingest, copies_of

    turns, interviews = _ingest(ROOT / "params.yaml", work)
    return copies_of(turns, copies), copies_of(interviews, copies)


def timed(fn, *args) -> tuple[int, float, float]:
    """``fn(*args)`` with its wall and CPU seconds."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def side_main(side: str, folder: Path) -> None:
    """One side as a whole process: imports, model load and the run over the corpus files."""
    from pipeline.recognisers.ner import load_pipeline

    turns = pd.read_parquet(folder / "turns.parquet")
    interviews = pd.read_parquet(folder / "interviews.parquet")
    nlp = load_pipeline(str(ROOT / "pipeline/models/ner_en_qualeval"))
    if side == "presidio":
        run_presidio(turns["text"].fillna("").astype(str).tolist(), *presidio_engines(nlp))
    else:
        run_qualeval(turns, interviews, nlp)


def whole_process(side: str, folder: Path, target: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``--side`` run as its own Python process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cmd = [sys.executable, __file__, "--side", side, "--folder", str(folder)]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def side_report(words: int, wall: float, cpu: float) -> dict:
    """Seconds and words per second, wall clock and CPU."""
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "words_per_s": round(words / wall),
        "words_per_cpu_s": round(words / cpu),
    }


def measure(copies: int, target: Path) -> dict:
    """Both sides, in-process and as whole processes, over the sample ``copies`` times."""
    from pipeline.recognisers.ner import load_pipeline

    nlp = load_pipeline(str(ROOT / "pipeline/models/ner_en_qualeval"))
    analyzer, anonymizer = presidio_engines(nlp)
    with tempfile.TemporaryDirectory() as tmp:  # raw text: a temporary folder, then gone
        folder = Path(tmp)
        turns, interviews = corpus(copies, folder / "ingest")
        turns.to_parquet(folder / "turns.parquet")
        interviews.to_parquet(folder / "interviews.parquet")
        texts = turns["text"].fillna("").astype(str).tolist()
        words = sum(len(t.split()) for t in texts)  # as the anonymise stage counts
        ours, q_wall, q_cpu = timed(run_qualeval, turns, interviews, nlp)
        theirs, p_wall, p_cpu = timed(run_presidio, texts, analyzer, anonymizer)
        qp_wall, qp_cpu = whole_process("qualeval", folder, target)
        pp_wall, pp_cpu = whole_process("presidio", folder, target)
    return {
        "copies": copies,
        "turns": len(texts),
        "words": words,
        "replacements": {"qualeval": ours, "presidio": theirs},
        "in_process": {
            "qualeval": side_report(words, q_wall, q_cpu),
            "presidio": side_report(words, p_wall, p_cpu),
            "ratio_cpu": round(p_cpu / q_cpu, 2),
            "ratio_wall": round(p_wall / q_wall, 2),
        },
        "whole_process": {
            "qualeval": side_report(words, qp_wall, qp_cpu),
            "presidio": side_report(words, pp_wall, pp_cpu),
            "ratio_cpu": round(pp_cpu / qp_cpu, 2),
            "ratio_wall": round(pp_wall / qp_wall, 2),
        },
    }


def main() -> None:
    """Run the benchmark (or, with ``--side``, one side as a whole process)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=20, help="sample copies (default 20)")
    ap.add_argument("--target", type=Path, default=DEFAULT_TARGET, help="Presidio install dir")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/presidio.json")
    ap.add_argument("--side", choices=("qualeval", "presidio"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.side:
        side_main(args.side, args.folder)
        return
    install_presidio(args.target)
    sys.path.insert(0, str(args.target))
    result = {
        "command": f"python benchmarks/bench_presidio.py --copies {args.copies}",
        **measure(args.copies, args.target),
    }
    text = json.dumps(result, indent=2)
    args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
