"""The Dask engine against the local one: byte-identical outputs and per-stage time.

Usage: ``python benchmarks/bench_engine.py [--copies N] [--out FILE]``

Runs ingest, anonymise and embed (the stages with per-interview work, ADR 0028) on the
sample (replicated ``--copies`` times with distinct ids and file names) once per engine
configuration, each in a fresh process so every run pays its own model loads: ``local``;
``dask`` with a 2-worker LocalCluster of threads (``processes: false``) and of processes.
Prints each stage's seconds and whether every output file has the same bytes as the local
run's (metrics compared without their timings). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "transcripts_sample"
CONFIGS = {
    "local": None,
    "dask-threads": {"kind": "dask", "n_workers": 2, "processes": False},
    "dask-processes": {"kind": "dask", "n_workers": 2, "processes": True},
}
TIMING_KEYS = {"seconds", "embed_seconds", "segments_per_second", "words_per_second"}


def corpus(folder: Path, copies: int) -> tuple[Path, Path]:
    """The sample's transcripts and metadata, ``copies`` times with distinct ids."""
    meta = pd.read_csv(SAMPLE / "metadata.csv", dtype=str)
    (folder / "transcripts").mkdir(parents=True)
    rows = []
    for c in range(copies):
        for rec in meta.to_dict("records"):
            name = f"c{c:03d}_{rec['file']}"
            shutil.copy(SAMPLE / "transcripts" / rec["file"], folder / "transcripts" / name)
            rows.append({**rec, "interview_id": f"{rec['interview_id']}C{c:03d}", "file": name})
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    return folder / "transcripts", folder / "metadata.csv"


def run_one(out: Path, params: Path, transcripts: Path, metadata: Path) -> dict[str, float]:
    """The three stages into ``out``: seconds per stage."""
    from pipeline.anonymise.stage import run_stage as anonymise
    from pipeline.embed import run_stage as embed
    from pipeline.ingest.stage import run_stage as ingest

    o = {k: out / k for k in ("ingest", "anonymised", "segments", "private", "metrics")}
    for folder in o.values():
        folder.mkdir(parents=True)
    times = {}
    t = time.perf_counter()
    ingest(
        params, transcripts, metadata, o["ingest"] / "turns.parquet",
        o["ingest"] / "preamble.parquet", o["ingest"] / "interviews.parquet",
        o["ingest"] / "rejects.parquet", o["metrics"] / "ingest.json",
    )  # fmt: skip
    times["ingest"], t = time.perf_counter() - t, time.perf_counter()
    anonymise(
        params, o["ingest"] / "turns.parquet", o["ingest"] / "interviews.parquet",
        register_path=ROOT / "anonymisation" / "register.yaml",
        decisions_path=ROOT / "anonymisation" / "decisions.csv",
        allow_path=ROOT / "anonymisation" / "allow_list.txt", gold_path=None,
        out_turns=o["anonymised"] / "turns.parquet",
        out_interviews=o["anonymised"] / "interviews.parquet",
        key_path=o["private"] / "key.json", review_path=o["private"] / "review.csv",
        mentions_path=o["private"] / "mentions.parquet",
        metrics_path=o["metrics"] / "anonymise.json", progress=False,
        codebook_path=ROOT / "codebook" / "codebook.yaml",
    )  # fmt: skip
    times["anonymise"], t = time.perf_counter() - t, time.perf_counter()
    embed(
        params, o["anonymised"] / "turns.parquet",
        segments_path=o["segments"] / "segments.parquet",
        embeddings_path=o["segments"] / "embeddings.npy",
        dropped_path=o["segments"] / "dropped_turns.parquet",
        metrics_path=o["metrics"] / "embed.json",
        questions_path=o["segments"] / "question_embeddings.npy",
    )  # fmt: skip
    times["embed"] = time.perf_counter() - t
    return times


def _strip(data: object) -> object:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in TIMING_KEYS}
    return data


def differences(a: Path, b: Path) -> list[str]:
    """Files of ``a`` whose bytes (metrics: values but timings) differ in ``b``."""
    out = []
    for p in sorted(q for q in a.rglob("*") if q.is_file()):
        rel, other = p.relative_to(a), b / p.relative_to(a)
        if not other.is_file():
            out.append(f"{rel} (missing)")
        elif p.suffix == ".json" and rel.parent.name == "metrics":
            if _strip(json.loads(p.read_text())) != _strip(json.loads(other.read_text())):
                out.append(str(rel))
        elif p.read_bytes() != other.read_bytes():
            out.append(str(rel))
    return out


def main() -> None:
    """Each configuration in its own process, then the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # out params transcripts metadata
    args = ap.parse_args()
    if args.one:
        times = run_one(*(Path(x) for x in args.one))
        print(json.dumps(times))
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench_engine_"))
    transcripts, metadata = corpus(tmp / "corpus", args.copies)
    results = {}
    for name, engine in CONFIGS.items():
        raw = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
        raw.pop("engine", None)
        if engine is not None:
            raw["engine"] = engine
        params = tmp / f"{name}.yaml"
        params.write_text(yaml.safe_dump(raw), encoding="utf-8")
        cmd = [sys.executable, __file__, "--one", str(tmp / name), str(params)]
        proc = subprocess.run(
            [*cmd, str(transcripts), str(metadata)], capture_output=True, text=True, check=True
        )
        times = json.loads(proc.stdout.strip().splitlines()[-1])
        diff = [] if name == "local" else differences(tmp / "local", tmp / name)
        results[name] = {"seconds": {k: round(v, 1) for k, v in times.items()}, "differ": diff}
        print(name, results[name], flush=True)
    summary = {"interviews": 43 * args.copies, "results": results}
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
