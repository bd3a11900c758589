"""Ingest throughput: the sample, and the sample replicated to a larger corpus.

Usage: ``python benchmarks/bench_ingest.py [--copies N] [--out FILE]``

Copies the sample transcripts N times (default 25, about 1,000 interviews) into a temporary
folder with a matching metadata sheet, then times the in-memory stage and the parquet writes.
Prints a JSON report (and writes it to ``--out`` if given). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest import ingest, read_metadata, write_outputs  # noqa: E402
from pipeline.params import load_params  # noqa: E402


def _time(corpus: Path, meta: pd.DataFrame, params, out: Path) -> dict:
    t0 = time.perf_counter()
    res = ingest(corpus, meta, params.ingest)
    t1 = time.perf_counter()
    write_outputs(
        res, out / "t.parquet", out / "p.parquet", out / "i.parquet", out / "r.csv", out / "m.json"
    )
    t2 = time.perf_counter()
    m = res.metrics()
    return {
        "interviews": m["interviews"],
        "turns": m["turns"],
        "words": m["words"],
        "parse_s": round(t1 - t0, 3),
        "write_s": round(t2 - t1, 3),
        "words_per_s": round(m["words"] / (t2 - t0)),
        "interviews_per_s": round(m["interviews"] / (t2 - t0), 1),
    }


def main() -> None:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=25)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    params = load_params(ROOT / "params.yaml")
    sample = ROOT / params.data.transcripts_dir
    meta = read_metadata(ROOT / params.data.metadata)
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        report["sample"] = _time(sample, meta, params, tmp)
        big = tmp / "big"
        big.mkdir()
        rows = []
        for c in range(args.copies):
            for row in meta.to_dict("records"):
                name = f"c{c:03d}_{row['file']}"
                shutil.copy2(sample / row["file"], big / name)
                rows.append({**row, "interview_id": f"{row['interview_id']}_{c:03d}", "file": name})
        report[f"sample_x{args.copies}"] = _time(big, pd.DataFrame(rows), params, tmp)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
