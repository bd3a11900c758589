"""Scale benchmark: the whole pipeline on 43, 430 and 4,300 interviews built from the sample.

Usage::

    python benchmarks/bench_scale.py [--sizes 43,430,4300] [--with-10k] [--out FILE]
                                     [--topics-scale 430,4300] [--incremental 430]
                                     [--fresh-check full|embed] [--stability 430]

Each corpus is built from the sample's ingested turns (``transcripts_sample/``), with varied
text rather than copies: interview ``k`` takes the question sequence of one sample interview
(its template: role, region, council type) and, for each answer, recombines the sentences of
the template's answer at that point with those of another interview's answer at the same
relative position (first part of one, rest of the other; no paraphrase). Every interview gets
a new id (``S00001``...), a new interviewer and interviewee drawn from a name pool, written
into the metadata sheet and into the text where the source interview's interviewer and
interviewee were named (so anonymisation has the metadata names to find), and a new date.
Transcripts are written as ``Interviewer:``/``Respondent:`` ``.txt`` files under
``.cache/bench_scale/`` (git-ignored).

Each size runs in a fresh child process, every stage of :data:`pipeline.stages.STAGES` in
order, called in-process as ``qualeval run`` calls them (one process, so library imports are
paid once), with a copy of ``params.yaml`` whose sample-only gold files are null. Per stage:
wall seconds, CPU seconds (user + system of the process), items (interviews for validate and
ingest, turns for anonymise, segments for the later stages), per-item rate and CPU-ms per
item, and the peak RSS of the process so far. The topics stage's own metrics (topic count,
outliers, stability ARI) are copied in.

Each corpus has its own embedding cache (``<corpus>/private/cache/embeddings``), so no size
is served another's vectors. ``growth`` in the result gives each stage's CPU ms per item at
every size against the smallest size's, flagged above 1.15 (the issue's 15% target).

10,000 interviews: measured with ``--with-10k``; otherwise extrapolated per stage from the
largest measured size with the rule ``t(10k) = t(n) * (10_000 / n) ** b``, where ``b`` is the
stage's log-log slope (of wall time, and separately of CPU time) between the two largest
measured sizes (floored at 1: no stage is assumed to be sub-linear), summed over stages; the
rule is written in the result. On this shared machine the CPU figure is the better guide.

``--stability N`` measures the scalable clustering's stability ARI on the measured size
``N``'s segments (clustering only, three seeds, every segment): each seed with its own fit
sample, all seeds on the ``topics.seed`` sample (ADR 0033), both with UMAP + HDBSCAN
(``scale.clustering: fitted``), and the consensus of ``scale.consensus_runs`` k-means fits on
that sample (the default, ADR 0046).

``--incremental N`` adds 1% (at least one) new interviews to the measured size ``N``, runs
the enlarged corpus once with a copy of the ``N`` run's embedding cache and once fresh (same
folder), and records both times, their ratio and whether every output and private file is
the same (metrics less their timings and cache counts).

``--topics-scale N,M`` adds topics-stage-only measurements at those sizes when the full
run of that size is too slow for the machine: the largest measured corpus's segments and
embeddings are resampled to ``N`` interviews' worth of segments (each copy's embeddings
perturbed by small seeded noise and renormalised, its segment ids new, its codes copied), and
:func:`pipeline.topics.fit_topics` runs on them with the codebook vectors (no MMR encoder);
this says how the scalable topics path behaves on copies of the same material, not how
embedding scales.

Presidio (anonymise side by side) is only reported when ``presidio_analyzer`` is importable;
it is not a dependency. Writes ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for key, value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "DVC_NO_ANALYTICS": "1",
}.items():
    os.environ.setdefault(key, value)

SAMPLE = ROOT / "transcripts_sample"
WORK = ROOT / ".cache" / "bench_scale"
RESULT = ROOT / "benchmarks" / "results" / "scale.json"
FIRST = (
    "Amara Ben Carys Dev Elif Farid Grace Hamish Isla Jonah Kiran Leila Marcus Nadia Owen "
    "Parveen Quentin Rosa Sanjay Tamsin Uma Victor Wren Yusuf Zara Bethan Callum Dimitri "
    "Esther Fergus Gwen Idris Joanna Kofi Lorna Mehmet Niamh Oluwaseun Petra Rhys"
).split()
LAST = (
    "Abbott Brennan Chaudhry Donnelly Ellison Fairbairn Gallagher Hussain Iqbal Jarvis "
    "Kowalski Lindqvist Mahmood Nicholls Osei Pritchard Quinlan Rahman Sutcliffe Thornbury "
    "Underwood Varga Whitmore Yeung Zielinski Ashworth Barraclough Cartwright Dunmore Eastwood"
).split()
GREETING = re.compile(r"^(?:Hello|Hi|Morning|Good (?:morning|afternoon)),?\s+([A-Z][a-z]+)\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
STAGE_ITEMS = {"validate": "interviews", "ingest": "interviews", "anonymise": "turns"}
NULL_FILES = ("human_codes", "gold_pii", "human_stance", "review")

log = logging.getLogger("bench_scale")


def sample_interviews() -> list[dict]:
    """The sample's interviews: metadata row, names, and (role, text) turns in order."""
    from pipeline.ingest import ingest
    from pipeline.params import IngestParams

    meta = pd.read_csv(SAMPLE / "metadata.csv", dtype=str)
    turns = ingest(SAMPLE / "transcripts", meta, IngestParams()).turns
    out = []
    for row in meta.to_dict("records"):
        t = turns[turns["interview_id"] == row["interview_id"]].sort_values("turn_index")
        t = t[t["speaker_role"].isin(["interviewer", "respondent"])]
        pairs = list(zip(t["speaker_role"].astype(str), t["text"].astype(str)))
        out.append({"row": row, "turns": pairs, "names": _source_names(row, t)})
    return out


def _source_names(row: dict, turns: pd.DataFrame) -> list[tuple[str, str]]:
    """(name in the source, which new name replaces it): interviewer and interviewee."""
    names = []
    interviewer = str(row["interviewer"])
    names += [(interviewer, "interviewer"), (interviewer.split()[0], "interviewer_first")]
    labels = turns.loc[turns["speaker_role"] == "respondent", "speaker_label"].astype(str)
    full = next((x for x in labels if re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z'-]+", x)), None)
    first_turn = turns["text"].astype(str).iloc[0] if len(turns) else ""
    m = GREETING.match(first_turn)
    if full:
        names.append((full, "interviewee"))
    first = full.split()[0] if full else (m.group(1) if m else None)
    if first:
        names.append((first, "interviewee_first"))
    # longest first, so a full name is replaced before its first name
    return sorted(names, key=lambda x: -len(x[0]))


def _rename(text: str, names: list[tuple[str, str]], new: dict[str, str]) -> str:
    for old, which in names:
        text = re.sub(rf"\b{re.escape(old)}\b", new[which], text)
    return text


def _answer(template: str, donor: str, rng: np.random.Generator) -> str:
    """The template answer's first sentences, then the donor answer's remaining ones."""
    a, b = SENTENCE.split(template), SENTENCE.split(donor)
    if len(a) + len(b) < 3:
        return template if rng.random() < 0.5 else donor
    cut_a = int(rng.integers(1, len(a) + 1))
    cut_b = int(rng.integers(0, len(b)))
    return " ".join(a[:cut_a] + b[cut_b:])


def _new_names(k: int, rng: np.random.Generator) -> dict[str, str]:
    """Interviewer and interviewee names for interview ``k`` (seeded, never the same two)."""
    i = [str(x) for x in rng.choice(FIRST, 2, replace=False)]
    s = [str(x) for x in rng.choice(LAST, 2, replace=False)]
    return {
        "interviewer": f"{i[0]} {s[0]}",
        "interviewer_first": i[0],
        "interviewee": f"{i[1]} {s[1]}",
        "interviewee_first": i[1],
    }


def make_interview(k: int, source: list[dict], seed: int) -> tuple[dict, str]:
    """Interview ``k``: its metadata row and its transcript text."""
    rng = np.random.default_rng([seed, k])
    tpl = source[k % len(source)]
    new = _new_names(k, rng)
    lines = []
    answers = [i for i, (role, _) in enumerate(tpl["turns"]) if role == "respondent"]
    for i, (role, text) in enumerate(tpl["turns"]):
        text = _rename(text, tpl["names"], new)
        if role == "respondent":
            # another interview than the template (never a sentence twice in one answer)
            donor = source[(k + 1 + int(rng.integers(len(source) - 1))) % len(source)]
            d_answers = [t for r, t in donor["turns"] if r == "respondent"]
            pos = answers.index(i) / max(1, len(answers))
            d_text = _rename(d_answers[int(pos * len(d_answers))], donor["names"], new)
            text = _answer(text, d_text, rng)
        label = "Interviewer" if role == "interviewer" else "Respondent"
        lines.append(f"{label}: {text}")
    iid = f"S{k + 1:05d}"
    day = pd.Timestamp("2013-01-01") + pd.Timedelta(days=int(rng.integers(0, 365)))
    row = {
        **{c: tpl["row"][c] for c in ("role", "region", "council_type")},
        "interview_id": iid,
        "file": f"{iid.lower()}.txt",
        "interview_date": day.date().isoformat(),
        "interviewer": new["interviewer"],
        "interviewee": new["interviewee"],
    }
    return row, "\n\n".join(lines) + "\n"


def build_corpus(n: int, folder: Path, seed: int = 0) -> Path:
    """Write ``n`` interviews and their metadata sheet under ``folder`` (reused when there)."""
    meta_path = folder / "metadata.csv"
    if meta_path.is_file() and len(pd.read_csv(meta_path)) == n:
        return meta_path
    source = sample_interviews()
    (folder / "transcripts").mkdir(parents=True, exist_ok=True)
    columns = ["interview_id", "file", "role", "region", "council_type", "interview_date"]
    columns += ["interviewer", "interviewee"]
    with meta_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for k in range(n):
            row, text = make_interview(k, source, seed)
            (folder / "transcripts" / row["file"]).write_text(text, encoding="utf-8")
            writer.writerow(row)
    return meta_path


def bench_params(folder: Path) -> Path:
    """``params.yaml`` with the sample-only gold files set to null."""
    import yaml

    p = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    for key in NULL_FILES:
        p["data"][key] = None
    p["codebook"]["path"] = str(ROOT / p["codebook"]["path"])
    for key in ("register_file", "review_decisions", "allow_list"):
        if p["data"].get(key):
            p["data"][key] = str(ROOT / p["data"][key])
    # each corpus its own embedding cache (a shared one would serve one size's texts to the next)
    p["embed"]["cache_dir"] = str(folder.resolve() / "private" / "cache" / "embeddings")
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(p, sort_keys=False), encoding="utf-8")
    return path


def _usage() -> tuple[float, float]:
    """(CPU seconds so far, peak RSS in MB) of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def child(folder: Path, only: str = "") -> None:
    """Run every stage (or the ``only`` one) on the corpus in ``folder``; ``timings.json``."""
    from pipeline.run import check_run, resolve_inputs, stage_arguments
    from pipeline.stages import STAGES

    logging.basicConfig(level=logging.WARNING)
    inputs = resolve_inputs(
        bench_params(folder),
        transcripts=folder / "transcripts",
        metadata=folder / "metadata.csv",
        out=folder / "outputs",
        private=folder / "private",
    )
    check_run(inputs)
    (folder / "private").mkdir(exist_ok=True)
    stages = []
    for stage in [s for s in STAGES if s.name == only] if only else STAGES:
        cpu0, _ = _usage()
        t0 = time.perf_counter()
        error = None
        try:
            stage.main()(**stage_arguments(stage, inputs))
        except Exception as exc:  # e.g. the leak gate: keep the timings, say which failed
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        wall = time.perf_counter() - t0
        cpu1, rss = _usage()
        row = {"stage": stage.name, "wall_s": wall, "cpu_s": cpu1 - cpu0, "rss_mb": rss}
        stages.append(row | ({"error": error} if error else {}))
        print(f"  {stage.name}: {wall:.1f} s{' FAILED ' + error if error else ''}", flush=True)
        # after every stage, so a failure later keeps what was measured
        (folder / "timings.json").write_text(json.dumps(stages, indent=1), encoding="utf-8")


def _metrics(folder: Path, name: str) -> dict:
    path = folder / "outputs" / "metrics" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def summarise(n: int, folder: Path, total_wall: float) -> dict:
    """The size's per-stage rows with items, rates and the topics metrics."""
    stages = json.loads((folder / "timings.json").read_text(encoding="utf-8"))
    ingest, embed = _metrics(folder, "ingest"), _metrics(folder, "embed")
    counts = {"interviews": n, "turns": ingest.get("turns"), "segments": embed.get("segments")}
    for row in stages:
        unit = STAGE_ITEMS.get(row["stage"], "segments")
        items = counts[unit] or 0
        row |= {
            "unit": unit,
            "items": items,
            "items_per_s": round(items / row["wall_s"], 1) if row["wall_s"] > 0 else None,
            "cpu_ms_per_item": round(1000 * row["cpu_s"] / items, 3) if items else None,
        }
        row |= {k: round(row[k], 3) for k in ("wall_s", "cpu_s")}
        row["rss_mb"] = round(row["rss_mb"], 1)
    topics = _metrics(folder, "topics")
    keep = ("n_topics", "n_segments", "outlier_share_after", "stability_ari", "settings")
    return {
        "interviews": n,
        **counts,
        "words": ingest.get("words"),
        "wall_s": round(total_wall, 1),
        "peak_rss_mb": max(r["rss_mb"] for r in stages),
        "stages": stages,
        "topics": {k: topics.get(k) for k in keep},
    }


def run_size(n: int, folder: Path | None = None, only: str = "") -> dict:
    """Build the corpus of ``n`` interviews and run the pipeline on it in a child process."""
    folder = folder or WORK / f"n{n}"
    started = time.perf_counter()
    build_corpus(n, folder)
    build = time.perf_counter() - started
    print(f"{n} interviews: corpus built in {build:.1f} s; running", flush=True)
    t0 = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)]
    subprocess.run([*cmd, "--only", only] if only else cmd, check=True, cwd=ROOT)
    return {**summarise(n, folder, time.perf_counter() - t0), "build_s": round(build, 1)}


def _cache(folder: Path) -> Path:
    """The corpus folder's embedding cache (see :func:`bench_params`)."""
    return folder / "private" / "cache" / "embeddings"


def _compared(folder: Path) -> dict[str, object]:
    """Every output and private file of a run (not the cache), metrics less their timings."""
    from pipeline.io import without_timings

    out = {}
    for area in ("outputs", "private"):
        for path in sorted((folder / area).rglob("*")):
            rel = path.relative_to(folder)
            if not path.is_file() or rel.parts[:2] == ("private", "cache"):
                continue
            if path.suffix == ".json" and path.parent.name == "metrics":
                out[str(rel)] = without_timings(json.loads(path.read_text(encoding="utf-8")))
            else:
                out[str(rel)] = path.read_bytes()
    return out


def _totals(result: dict) -> dict:
    """Wall and CPU seconds of a run, over its stages."""
    return {
        "wall_s": round(sum(s["wall_s"] for s in result["stages"]), 1),
        "cpu_s": round(sum(s["cpu_s"] for s in result["stages"]), 1),
    }


def incremental(n: int, fresh: str = "full") -> dict:
    """1% more interviews on top of the ``n`` run: with its embedding cache, then fresh.

    The enlarged corpus's first ``n`` interviews are the ``n`` corpus's (interview ``k`` is a
    function of ``k`` and the seed). It runs once with a copy of the ``n`` run's cache (the
    incremental run: only the new texts are embedded), then

    - ``fresh="full"``: once fresh, in the same folder so that paths written into outputs
      agree; every output and private file is compared (metrics less their timings and cache
      counts); the ratio is against that fresh run;
    - ``fresh="embed"`` (cheaper): the embed stage alone again without a cache, on a copy of
      the incremental run's inputs, its outputs compared (every later stage is a deterministic
      function of them: the run-twice tests); the ratio is against the ``n`` run's time
      scaled linearly to the enlarged corpus.
    """
    m = n + max(1, round(n / 100))
    folder = WORK / f"n{m}-inc"
    shutil.rmtree(folder, ignore_errors=True)
    build_corpus(m, folder)
    shutil.copytree(_cache(WORK / f"n{n}"), _cache(folder))
    inc = run_size(m, folder)
    a = _totals(inc)
    if fresh == "full":
        first = _compared(folder)
        for area in ("outputs", "private"):
            shutil.rmtree(folder / area)
        fresh_run = run_size(m, folder)
        b = _totals(fresh_run)
        second = _compared(folder)
    else:
        fresh_run, b, first, second = _fresh_embed(n, m, folder)
    differ = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    return {
        "from_interviews": n,
        "interviews": m,
        "fresh_check": fresh,
        "incremental": {**a, "embed": _stage(inc, "embed")},
        "fresh": {**b, "embed": _stage(fresh_run, "embed")},
        "wall_ratio": round(a["wall_s"] / b["wall_s"], 3) if b["wall_s"] else None,
        "cpu_ratio": round(a["cpu_s"] / b["cpu_s"], 3) if b["cpu_s"] else None,
        "cpu_s_by_stage": {s["stage"]: s["cpu_s"] for s in inc["stages"]},
        "files_compared": len(second),
        "files_differing": differ,
        "identical_to_fresh": not differ,
    }


def _fresh_embed(n: int, m: int, folder: Path) -> tuple[dict, dict, dict, dict]:
    """The embed stage again without a cache on a copy of ``folder``; the ``n`` run scaled."""
    other = WORK / f"n{m}-fresh"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(
        folder, other, ignore=lambda d, names: ["cache"] if d.endswith("private") else []
    )
    run = run_size(m, other, only="embed")
    path = WORK / f"n{n}" / "timings.json"
    base = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    scaled = {k: round(sum(s[k] for s in base) * m / n, 1) for k in ("wall_s", "cpu_s")}
    return run, scaled, _embed_files(_compared(folder)), _embed_files(_compared(other))


def _embed_files(compared: dict) -> dict:
    """The embed stage's outputs among :func:`_compared`'s files."""
    keep = ("outputs/segments/", "outputs/metrics/embed")
    return {k: v for k, v in compared.items() if k.startswith(keep)}


def _stage(result: dict, name: str) -> dict:
    return next(s for s in result["stages"] if s["stage"] == name)


def growth(results: list[dict], limit: float = 1.15) -> list[dict]:
    """Each stage's CPU ms per item at every size against the smallest size's (flag > limit)."""
    runs = sorted(results, key=lambda r: r["interviews"])
    base = runs[0]
    out = []
    for r in runs[1:]:
        for s in r["stages"]:
            b = _stage(base, s["stage"])
            if s["cpu_ms_per_item"] is None or not b["cpu_ms_per_item"]:
                continue  # a size measured in wall time only
            ratio = s["cpu_ms_per_item"] / b["cpu_ms_per_item"]
            out.append(
                {
                    "stage": s["stage"],
                    "sizes": [base["interviews"], r["interviews"]],
                    "cpu_ms_per_item": [b["cpu_ms_per_item"], s["cpu_ms_per_item"]],
                    "ratio": round(ratio, 3) if ratio else None,
                    "over_limit": bool(ratio and ratio > limit),
                }
            )
    return out


def _slope(big: dict, prev: dict | None, stage: str, key: str) -> float:
    """The stage's log-log slope of ``key`` between two sizes, floored at 1 (1 alone)."""
    if prev is None:
        return 1.0
    new, old = _stage(big, stage)[key], _stage(prev, stage)[key]
    if not old or not new or old <= 0 or new <= 0:
        return 1.0
    ratio = big["interviews"] / prev["interviews"]
    return max(1.0, math.log(new / old) / math.log(ratio))


def extrapolate(results: list[dict], target: int = 10_000) -> dict:
    """Each stage's wall and CPU time at ``target`` interviews by the rule in the module docstring.

    Wall time on this shared machine is inflated by the other work on it; the CPU time of the
    process is the better guide to what an unloaded machine would take (most stages use one
    core; the encoder up to two).
    """
    runs = sorted(results, key=lambda r: r["interviews"])
    big = runs[-1]
    prev = runs[-2] if len(runs) > 1 else None
    scale = target / big["interviews"]
    wall, cpu, slopes = {}, {}, {}
    for row in big["stages"]:
        name = row["stage"]
        bw, bc = _slope(big, prev, name, "wall_s"), _slope(big, prev, name, "cpu_s")
        wall[name] = round(row["wall_s"] * scale**bw, 1) if row["wall_s"] else None
        cpu[name] = round(row["cpu_s"] * scale**bc, 1) if row["cpu_s"] else None
        slopes[name] = {"wall": round(bw, 3), "cpu": round(bc, 3)}
    return {
        "interviews": target,
        "measured": False,
        "rule": f"t({target}) = t(n) * ({target} / n) ** max(1, b), n = {big['interviews']}, "
        "b = log-log slope of the stage's time (wall, or CPU) between the two largest "
        "measured sizes; summed over stages",
        "from_sizes": [r["interviews"] for r in runs[-2:]],
        "slopes": slopes,
        "stages_wall_s": wall,
        "stages_cpu_s": cpu,
        "wall_s": round(sum(v for v in wall.values() if v), 1),
        "cpu_s": round(sum(v for v in cpu.values() if v), 1),
    }


def topics_at_scale(base: int, target: int, seed: int = 0) -> dict:
    """The topics stage alone on ``target`` interviews' worth of resampled segments."""
    from pipeline import topics as T
    from pipeline.params import load_params

    folder = WORK / f"n{base}"
    segments = pd.read_parquet(folder / "outputs" / "segments" / "segments.parquet")
    emb = np.load(folder / "outputs" / "segments" / "embeddings.npy")
    codes = pd.read_parquet(folder / "outputs" / "coding" / "segment_codes.parquet")
    book = pd.read_parquet(folder / "outputs" / "coding" / "codebook_vectors.parquet")
    copies = max(1, round(target / base))
    rng = np.random.default_rng(seed)
    segs, vecs, coded = [], [], []
    for c in range(copies):
        s, k = segments.copy(), codes.copy()
        s["segment_id"] = s["segment_id"].astype(str) + f"~{c}"
        s["interview_id"] = s["interview_id"].astype(str) + f"~{c}"
        k["segment_id"] = k["segment_id"].astype(str) + f"~{c}"
        v = emb + (0.0 if c == 0 else 0.02) * rng.standard_normal(emb.shape).astype(np.float32)
        segs.append(s)
        coded.append(k)
        vecs.append(v / np.linalg.norm(v, axis=1, keepdims=True))
    seg = pd.concat(segs, ignore_index=True)
    codes = pd.concat(coded, ignore_index=True)
    vec = np.ascontiguousarray(np.vstack(vecs), dtype=np.float32)
    params = load_params(bench_params(folder)).topics
    cpu0, _ = _usage()
    t0 = time.perf_counter()
    result = T.fit_topics(seg, vec, codes, params, codebook_vectors=book)
    wall = time.perf_counter() - t0
    cpu1, rss = _usage()
    m = result.metrics
    return {
        "interviews": target,
        "from_size": base,
        "copies": copies,
        "segments": len(seg),
        "wall_s": round(wall, 1),
        "cpu_ms_per_segment": round(1000 * (cpu1 - cpu0) / len(seg), 3),
        "peak_rss_mb": round(rss, 1),
        **{k: m.get(k) for k in ("n_topics", "outlier_share_after", "stability_ari", "settings")},
        "n_segments_fitted": m.get("n_segments"),
        "n_emergent": m.get("n_emergent"),
    }


def _assigned(embeddings: np.ndarray, params, seed: int, sample_seed: int | None) -> np.ndarray:
    """One seed's scalable clustering, its outliers joined to their nearest centroid."""
    from pipeline.topics import scalable

    labels = scalable.cluster_at_scale(embeddings, params, seed, sample_seed).labels.copy()
    ids, cents = scalable.centroid_matrix(embeddings, labels)
    out = np.flatnonzero(labels == -1)
    if len(out) and ids:
        labels[out] = scalable.nearest_centroid(embeddings[out], ids, cents, -np.inf)[0]
    return labels


def consensus_assigned(embeddings: np.ndarray, params, seed: int, runs: int = 40) -> np.ndarray:
    """A consensus clustering (the pipeline's, ADR 0046): every segment's topic.

    On the ``topics.seed`` fit sample, :func:`pipeline.topics.scalable.consensus_topics` of
    ``runs`` k-means fits at the topic cap; every segment joins its nearest centroid.
    """
    from pipeline.topics import scalable

    idx = scalable.fit_sample(len(embeddings), params.scale.fit_segments, params.seed)
    x = embeddings[idx].astype(np.float64)
    k = scalable.topic_cap(len(embeddings), params)
    labels = scalable.consensus_topics(x, k, runs, seed)
    ids, cents = scalable.centroid_matrix(x, labels)
    return scalable.nearest_centroid(embeddings, ids, cents, -np.inf)[0]


def stability_at_scale(n: int, seeds: int = 3) -> dict:
    """The scalable clustering's stability ARI on the ``n`` run's segments, three ways.

    ``own_sample``: each seed draws its own fit sample (ADR 0027 as first built);
    ``shared_sample``: every seed fits on the ``topics.seed`` sample, only UMAP's and
    HDBSCAN's seed changes (ADR 0033); both ``scale.clustering: fitted``.
    ``consensus_kmeans``: the default consensus (ADR 0046) on the shared sample. Clustering
    only (no BERTopic, outlier reduction or finer themes); mean pairwise ARI over every segment.
    """
    from pipeline.params import load_params
    from pipeline.topics.stability import stability_ari

    folder = WORK / f"n{n}"
    emb = np.load(folder / "outputs" / "segments" / "embeddings.npy")
    params = load_params(bench_params(folder)).topics
    fitted = params.model_copy(
        update={"scale": params.scale.model_copy(update={"clustering": "fitted"})}
    )
    out: dict = {"interviews": n, "segments": len(emb), "seeds": seeds}
    for name, shared in (("shared_sample", True), ("own_sample", False)):
        cpu0, _ = _usage()
        runs = [
            _assigned(emb, fitted, params.seed + k, params.seed if shared else None)
            for k in range(seeds)
        ]
        out[name] = {
            "ari": round(float(stability_ari(runs)), 3),
            "n_topics": [len(set(r.tolist())) for r in runs],
            "cpu_s": round(_usage()[0] - cpu0, 1),
        }
        print(name, out[name], flush=True)
    cpu0, _ = _usage()
    runs = [
        consensus_assigned(emb, params, params.seed + k, params.scale.consensus_runs)
        for k in range(seeds)
    ]
    out["consensus_kmeans"] = {
        "ari": round(float(stability_ari(runs)), 3),
        "n_topics": [len(set(r.tolist())) for r in runs],
        "largest_share": [round(float(np.bincount(r).max() / len(r)), 3) for r in runs],
        "cpu_s": round(_usage()[0] - cpu0, 1),
    }
    print("consensus", out["consensus_kmeans"], flush=True)
    return out


def topics_runs(sizes: str, measured: set[int]) -> list[dict]:
    """:func:`topics_at_scale` at each size, from the largest full run not above it."""
    out = []
    for target in (int(x) for x in sizes.split(",") if x):
        base = max(n for n in measured if n <= target)
        print(f"topics alone at {target} interviews (from {base})", flush=True)
        out.append(topics_at_scale(base, target))
    return out


def presidio_note() -> str:
    """Whether the optional Presidio side by side can run here."""
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        return "not installed: no side-by-side (install presidio-analyzer to add it)"
    return "installed, but the side-by-side is not wired in this benchmark yet"


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: list[dict]) -> str:
    """Per-size, per-stage lines: wall, items/s, CPU-ms per item, peak RSS so far."""
    lines = ["| interviews | stage | wall s | items | items/s | CPU ms/item | RSS MB |"]
    lines.append("|---|---|---|---|---|---|---|")
    for r in results:
        for s in r["stages"]:
            lines.append(
                f"| {r['interviews']} | {s['stage']} | {_num(s['wall_s'], 1)} | {s['items']} "
                f"{s['unit']} | {s['items_per_s']} | {s['cpu_ms_per_item']} "
                f"| {_num(s.get('rss_mb'), 0)} |"
            )
        lines.append(
            f"| {r['interviews']} | **total** | {_num(r['wall_s'], 1)} | {r['segments']} segments "
            f"| | | {_num(r.get('peak_rss_mb'), 0)} |"
        )
    return "\n".join(lines)


def _previous() -> dict:
    return json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.is_file() else {}


def main() -> None:
    """Build, run and report every size asked for (sizes already measured are kept)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="43,430,4300")
    ap.add_argument("--with-10k", action="store_true", help="also run 10,000 interviews")
    ap.add_argument(
        "--topics-scale", default="", help="topics stage alone at these sizes (e.g. 430,4300)"
    )
    ap.add_argument(
        "--incremental",
        type=int,
        default=0,
        help="after the sizes: add 1%% more interviews to this measured size, rerun with its "
        "embedding cache and fresh, compare outputs",
    )
    ap.add_argument(
        "--stability",
        type=int,
        default=0,
        help="scalable clustering's stability ARI on this measured size: own vs shared sample",
    )
    ap.add_argument("--out", type=Path, default=RESULT)
    ap.add_argument(
        "--fresh-check",
        choices=("full", "embed"),
        default="full",
        help="--incremental: a full fresh run to compare with, or the embed stage alone",
    )
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--only", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.only)
        return
    sizes = [int(x) for x in args.sizes.split(",") if x] + ([10_000] if args.with_10k else [])
    previous = {r["interviews"]: r for r in _previous().get("sizes", [])}
    for n in sizes:
        previous[n] = run_size(n)
    results = [previous[n] for n in sorted(previous)]
    report = {
        "machine": f"{os.cpu_count()} cores (shared)",
        "sizes": results,
        "growth": growth(results),
        "presidio": presidio_note(),
        "topics_scale": _previous().get("topics_scale"),
        "incremental": _previous().get("incremental"),
        "stability_at_scale": _previous().get("stability_at_scale"),
    }
    measured = {r["interviews"] for r in results}
    if 10_000 not in measured and len(results) > 1:
        report["extrapolated_10k"] = extrapolate(results)
    if args.topics_scale:
        report["topics_scale"] = topics_runs(args.topics_scale, measured)
    if args.stability:
        report["stability_at_scale"] = stability_at_scale(args.stability)
    if args.incremental:
        report["incremental"] = incremental(args.incremental, args.fresh_check)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    keys = ("growth", "extrapolated_10k", "topics_scale", "incremental", "stability_at_scale")
    for key in keys:
        if report.get(key):
            print(key, json.dumps(report[key]))


if __name__ == "__main__":
    main()
