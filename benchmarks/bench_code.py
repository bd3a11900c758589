"""Code-stage speed: end to end with cached embeddings, and embedding throughput apart.

Usage: ``python benchmarks/bench_code.py [--copies N] [--out FILE]``

Needs the sample's outputs (``make repro``): ``outputs/segments/{segments.parquet,
embeddings.npy}`` and ``outputs/coding/codebook_vectors.parquet``.

* **End to end**: runs the code stage exactly as ``dvc.yaml`` does (``python -m
  pipeline.coding ...`` in a subprocess: Python start-up, imports, reading, coding with the
  sample's human codes for cross-fitting, writing) on the sample and on the sample's segments
  replicated ``--copies`` times (interview ids suffixed, so cross-fitting has that many more
  interviews), and reports wall seconds and segments per second. Embeddings are cached, as in
  a DVC run where only the coding changed.
* **Embedding throughput**: all-MiniLM-L6-v2 encoding of the sample's segments (the embed
  stage's work), measured separately, model load excluded.

Prints a JSON report (and writes it to ``--out``). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _stage(tmp: Path, segments: Path, embeddings: Path, human: Path) -> float:
    cmd = [
        sys.executable,
        "-m",
        "pipeline.coding",
        "--segments",
        str(segments),
        "--embeddings",
        str(embeddings),
        "--codebook",
        str(ROOT / "codebook" / "codebook.yaml"),
        "--codebook-vectors",
        str(ROOT / "outputs" / "coding" / "codebook_vectors.parquet"),
        "--human",
        str(human),
        "--segment-codes",
        str(tmp / "sc.parquet"),
        "--turn-codes",
        str(tmp / "tc.parquet"),
        "--thresholds",
        str(tmp / "th.csv"),
        "--metrics",
        str(tmp / "m.json"),
        "--params",
        str(ROOT / "params.yaml"),
    ]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def _replicate(tmp: Path, copies: int) -> tuple[Path, Path, Path, int]:
    seg = pd.read_parquet(ROOT / "outputs" / "segments" / "segments.parquet")
    emb = np.load(ROOT / "outputs" / "segments" / "embeddings.npy")
    gold = [
        json.loads(line)
        for line in (ROOT / "transcripts_sample" / "gold" / "gold_codes.jsonl").open()
    ]
    parts, golds = [], []
    for c in range(copies):
        s = seg.copy()
        s["interview_id"] = s["interview_id"] + f"-c{c}"
        s["segment_id"] = s["segment_id"] + f"-c{c}"
        parts.append(s)
        golds += [{**g, "interview_id": f"{g['interview_id']}-c{c}"} for g in gold]
    seg_path, emb_path, gold_path = tmp / "s.parquet", tmp / "e.npy", tmp / "g.jsonl"
    pd.concat(parts, ignore_index=True).to_parquet(seg_path, index=False)
    np.save(emb_path, np.vstack([emb] * copies))
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in golds), encoding="utf-8")
    return seg_path, emb_path, gold_path, len(seg) * copies


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    need = [
        ROOT / "outputs" / "segments" / "segments.parquet",
        ROOT / "outputs" / "coding" / "codebook_vectors.parquet",
    ]
    if not all(p.is_file() for p in need):
        sys.exit("bench_code: run `make repro` first (needs the sample's segments and vectors)")
    report: dict = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for copies in (1, args.copies):
            s, e, g, n = _replicate(tmp, copies)
            secs = _stage(tmp, s, e, g)
            stats = json.loads((tmp / "m.json").read_text())
            report[f"code_stage_x{copies}"] = {
                "segments": n,
                "wall_seconds": round(secs, 2),
                "segments_per_second": round(n / secs, 1),
                "coding_seconds": stats["seconds"],
                "coding_segments_per_second": stats["segments_per_second"],
            }
    from pipeline.encoder import encode, load_encoder

    texts = pd.read_parquet(ROOT / "outputs" / "segments" / "segments.parquet")["text"].tolist()
    load_encoder(None)
    t0 = time.perf_counter()
    encode(texts)
    secs = time.perf_counter() - t0
    report["embedding"] = {
        "segments": len(texts),
        "seconds": round(secs, 2),
        "segments_per_second": round(len(texts) / secs, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
