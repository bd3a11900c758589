"""Encoder speed per backend, agreement between them, the embedding cache, and start-up cost.

Usage: ``python benchmarks/bench_encoder.py [--segments FILE ...] [--limit N] [--agreement
NAME=FILE ...] [--out FILE]``

Needs segments tables: the sample's (``outputs/segments/segments.parquet`` after ``make
repro``) by default, and any other given with ``--segments`` (e.g. the ``outputs/segments``
of a ``bench_dev_eval.py --work DIR`` run). For each table and each way of embedding:

- ``onnx``, ``onnx-int8`` and ``torch``: :func:`pipeline.encoder.compute` (equal-length
  batches, no padding, mean pooling in numpy) on onnxruntime (float32, or the int8-weight
  copy) or torch;
- ``st-padded``: sentence-transformers' own ``encode`` (padded, length-sorted batches), the
  path before ADR 0026;

it reports wall seconds, CPU seconds, segments per second (wall) and CPU-ms per segment (on a
shared machine CPU time is the steadier figure), and the cosine of each backend's vectors with
``st-padded``'s (min and mean) and the share of rows byte-equal. The cache part embeds the
first table cold into an empty cache, reruns it (all hits), and reruns it with 1% new texts.
The start-up part times, in a fresh process each, importing the embed stage, and embedding
one text with each backend (imports plus model load), and lists whether torch was imported.
``--agreement name=FILE`` copies coding agreement figures (micro-F1 of a
``coding_agreement.json`` or a ``bench_dev_eval.py`` report) into the result, to record the
equal-results check beside the speed. Prints one JSON document. Not part of the test suite.
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

from pipeline import encoder as E  # noqa: E402

BATCH = 64


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _st_padded(texts: list[str]) -> np.ndarray:
    vectors = E.load_encoder(None).encode(
        texts, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True,
        show_progress_bar=False,
    )  # fmt: skip
    return E.quantise(vectors)


def _ways() -> dict:
    return {
        "onnx": lambda t: E.compute(t, None, BATCH, "onnx"),
        "onnx-int8": lambda t: E.compute(t, None, BATCH, "onnx-int8"),
        "torch": lambda t: E.compute(t, None, BATCH, "torch"),
        "st-padded": _st_padded,
    }


def speed(texts: list[str], rounds: int) -> dict:
    """Each way's time on ``texts`` (best of ``rounds``, interleaved) and agreement."""
    ways = _ways()
    for fn in ways.values():  # warm: model load, ONNX export, first-call allocations
        fn(texts[:8])
    best: dict[str, dict] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, fn in ways.items():
            vectors[name], wall, cpu = _timed(lambda fn=fn: fn(texts))
            if name not in best or cpu < best[name]["cpu_s"]:
                best[name] = {
                    "wall_s": round(wall, 2),
                    "cpu_s": round(cpu, 2),
                    "segments_per_s": round(len(texts) / wall, 1),
                    "cpu_ms_per_segment": round(1000 * cpu / len(texts), 2),
                }
    ref = vectors["st-padded"]
    for name in ("onnx", "onnx-int8", "torch"):
        cos = (vectors[name] * ref).sum(axis=1)
        best[name]["cos_vs_st_padded"] = {
            "min": round(float(cos.min()), 6),
            "mean": round(float(cos.mean()), 7),
        }
        best[name]["rows_equal_st_padded"] = round(
            float((vectors[name] == ref).all(axis=1).mean()), 4
        )
    cos = (vectors["onnx"] * vectors["torch"]).sum(axis=1)
    best["onnx_vs_torch_cos_min"] = round(float(cos.min()), 6)
    return best


def cache_runs(texts: list[str]) -> dict:
    """Cold, warm and +1% runs of :func:`pipeline.encoder.encode` with a cache (onnx)."""
    extra = [f"{t} (follow-up {i})" for i, t in enumerate(texts[: max(1, len(texts) // 100)])]
    with tempfile.TemporaryDirectory() as cache:
        cold, cold_s, _ = _timed(lambda: E.encode_counted(texts, cache_dir=cache))
        warm, warm_s, _ = _timed(lambda: E.encode_counted(texts, cache_dir=cache))
        more, more_s, _ = _timed(lambda: E.encode_counted(texts + extra, cache_dir=cache))
    fresh = E.encode(texts + extra)
    return {
        "texts": len(texts),
        "cold_s": round(cold_s, 2),
        "rerun_s": round(warm_s, 3),
        "rerun_cached": warm[1],
        "plus_1pct_s": round(more_s, 2),
        "plus_1pct_embedded": len(texts) + len(extra) - more[1],
        "cached_equals_fresh": bool(
            more[0].tobytes() == fresh.tobytes() and warm[0].tobytes() == cold[0].tobytes()
        ),
    }


ONE = "from pipeline.encoder import encode; encode(['hi'], backend='{}')"
STARTUP = {
    "import embed stage": "import pipeline.embed",
    "embed one text (onnx)": ONE.format("onnx"),
    "embed one text (torch)": ONE.format("torch"),
}


def startup() -> dict:
    """Wall seconds of each :data:`STARTUP` snippet in a fresh process; torch imported?"""
    out = {}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name, code in STARTUP.items():
        probe = f"{code}\nimport sys; print('torch' in sys.modules)"
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
        )
        out[name] = {
            "wall_s": round(time.perf_counter() - t0, 2),
            "torch_imported": done.stdout.strip().splitlines()[-1] == "True",
        }
    return out


def agreement(pairs: list[str]) -> dict:
    """``name=FILE`` pairs -> the micro-F1 (and kappa) each file records."""
    out = {}
    for pair in pairs:
        name, _, path = pair.partition("=")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        coding = data.get("coding", data)
        out[name] = {k: coding.get(k) for k in ("micro_f1", "macro_kappa") if k in coding}
    return out


def main() -> None:
    """Run every part and print (and optionally write) the JSON report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--segments", type=Path, nargs="*", default=[ROOT / "outputs/segments/segments.parquet"]
    )
    ap.add_argument("--limit", type=int, default=0, help="first N segments of each table (0: all)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--agreement", nargs="*", default=[])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    E.stay_offline()
    report: dict = {"machine_cpus": os.cpu_count(), "threads": E.TORCH_THREADS, "batch_size": BATCH}
    tables = {}
    for path in args.segments:
        texts = pd.read_parquet(path)["text"].tolist()
        texts = texts[: args.limit] if args.limit else texts
        tables[str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)] = texts
    report["speed"] = {
        name: {"segments": len(t), **speed(t, args.rounds)} for name, t in tables.items()
    }
    report["cache"] = cache_runs(next(iter(tables.values())))
    report["startup"] = startup()
    report["agreement"] = agreement(args.agreement)
    report["command"] = "python " + " ".join(sys.argv)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
