"""Zero-shot coding as a new evaluator meets it: a few examples per code, no human codes.

Usage: ``python benchmarks/bench_zero_shot.py [--work DIR] [--out FILE]``

Runs the whole pipeline (``qualeval run``) twice and scores the automatic turn codes against
the gold, with no human codes and no review anywhere:

- ``dev_eval``: ``../shared/data/dev_eval`` as a new user runs it (no params file; its own
  17-code codebook with 2 examples per code and no ``uncoded`` list);
- ``sample_2_examples``: the sample with its codebook cut to the first 2 examples per code and
  no ``uncoded`` list (the sample's params otherwise, human codes off).

Both must hold for a setting to be kept (ADR 0016). Prints one JSON document; not part of the
test suite (it needs ``../shared``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dev_eval import DEFAULT_DATA, run_pipeline, score_coding  # noqa: E402

SAMPLE_GOLD = ROOT / "transcripts_sample" / "gold" / "gold_codes.jsonl"


def cut_codebook(source: Path, target: Path, examples: int = 2) -> None:
    """The codebook with at most ``examples`` examples per code and no ``uncoded`` list."""
    book = yaml.safe_load(source.read_text(encoding="utf-8"))
    book.pop("uncoded", None)
    for code in book.get("codes", []):
        if code.get("examples"):
            code["examples"] = code["examples"][:examples]
    target.write_text(yaml.safe_dump(book, sort_keys=False, allow_unicode=True), encoding="utf-8")


def sample_params(target: Path) -> None:
    """The sample's params with its data paths made absolute and every human input off."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    data = params["data"]
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = str(ROOT / value)
    for key in ("human_codes", "review", "human_stance", "gold_pii"):
        data[key] = None
    target.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def run_sample(work: Path) -> subprocess.CompletedProcess:
    """The sample, codebook cut to 2 examples per code, no human codes."""
    work.mkdir(parents=True, exist_ok=True)
    cut_codebook(ROOT / "codebook" / "codebook.yaml", work / "codebook.yaml")
    sample_params(work / "params.yaml")
    qualeval = Path(sys.executable).with_name("qualeval")
    args = [str(qualeval), "run", "--params", "params.yaml", "--codebook", "codebook.yaml"]
    args += ["--out", "outputs", "--private", "private"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's pipeline, not the installed one
    return subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, check=False)


def main() -> int:
    """Run both, score, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp one)")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    if not (args.data / "gold" / "gold_codes.jsonl").is_file():
        print(f"{args.data}: dev_eval set not found; put ../shared beside the repository "
              "or pass --data DIR", file=sys.stderr)  # fmt: skip
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="qualeval-zero-shot-"))
    result: dict = {"command": "python benchmarks/bench_zero_shot.py"}
    for name, run in (
        ("dev_eval", lambda w: run_pipeline(args.data, w)),
        ("sample_2_examples", run_sample),
    ):
        proc = run(work / name)
        if not (work / name / "outputs" / "coding" / "turn_codes.parquet").is_file():
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        if name == "dev_eval":
            result[name] = score_coding(args.data, work / name)
        else:
            result[name] = score_coding(
                args.data, work / name, SAMPLE_GOLD, work / name / "codebook.yaml"
            )
        result[name]["run_exit_code"] = proc.returncode
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
