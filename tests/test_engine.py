"""The engines: partitions, order, errors, and the Dask engine's outputs byte-identical to local."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.engine import LocalEngine, chunks, interview_partitions, open_engine
from pipeline.errors import QualevalError
from pipeline.params import EngineParams, Params, load_params

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
N_INTERVIEWS = 6


# --- partitions and the local engine ----------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "size", "expected"),
    [
        (["a", "a", "b", "c", "c", "c"], 2, [[0, 1, 2], [3, 4, 5]]),
        (["a", "a", "b", "c", "c", "c"], 1, [[0, 1], [2], [3, 4, 5]]),
        (["a", "b", "a"], 1, [[0, 2], [1]]),  # an interview's rows always share a partition
        (["a", "b"], 10, [[0, 1]]),
        ([], 3, []),
    ],
    ids=["two per part", "one per part", "rows apart", "one part", "empty"],
)
def test_when_rows_partitioned_then_whole_interviews_in_row_order(ids, size, expected):
    assert interview_partitions(ids, size) == expected


def test_when_items_chunked_then_consecutive_pieces_of_at_most_size():
    assert chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert chunks([], 2) == []


def test_when_local_engine_maps_then_lazily_and_in_order():
    seen = []

    def parts():
        for i in range(3):
            seen.append(i)
            yield i

    out = LocalEngine().map(lambda x: x * 10, parts())
    assert seen == []  # nothing read before it is needed
    assert list(out) == [0, 10, 20]


@pytest.mark.parametrize(
    ("raw", "kind", "error"),
    [
        ({}, "local", None),
        ({"engine": "dask"}, "dask", None),
        ({"engine": {"kind": "dask", "scheduler": "tcp://10.0.0.5:8786"}}, "dask", None),
        ({"engine": {"kind": "spark"}}, None, "engine.kind"),
        ({"engine": {"kind": "dask", "workers": 2}}, None, "engine.workers: unknown key"),
        ({"engine": {"n_workers": 0}}, None, "engine.n_workers"),
    ],
    ids=["default", "shorthand", "scheduler", "unknown kind", "unknown key", "no workers"],
)
def test_when_engine_block_validated_then_kind_or_a_named_error(tmp_path, raw, kind, error):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    if error is None:
        assert load_params(path).engine.kind == kind
    else:
        with pytest.raises(QualevalError, match=error):
            load_params(path)


def test_when_default_params_then_local_engine():
    assert Params().engine == EngineParams(kind="local")
    with open_engine(None) as engine:
        assert engine.name == "local"


# --- the Dask engine ----------------------------------------------------------------------------

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="the dask extra is not installed"
)


def _fails(x: int) -> int:
    if x == 2:
        raise ValueError("partition two is bad")
    return x


def _square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def cluster_params() -> EngineParams:
    return EngineParams(kind="dask", n_workers=2, processes=False, partition_interviews=2)


@needs_dask
def test_when_dask_engine_maps_then_results_in_order(cluster_params):
    with open_engine(cluster_params) as engine:
        assert engine.name == "dask"
        assert list(engine.map(_square, iter(range(12)))) == [i * i for i in range(12)]


@needs_dask
def test_when_a_partition_fails_on_a_worker_then_the_run_stops_with_its_message(cluster_params):
    with open_engine(cluster_params) as engine:
        with pytest.raises(QualevalError, match="partition failed on a worker: partition two"):
            list(engine.map(_fails, range(4)))


@needs_dask
def test_when_scheduler_unreachable_then_a_clear_error():
    params = EngineParams(kind="dask", scheduler="tcp://127.0.0.1:9", connect_timeout_s=1)
    with pytest.raises(
        QualevalError, match=re.escape("engine.scheduler tcp://127.0.0.1:9: cannot connect")
    ):
        with open_engine(params):
            pass


# --- byte-identical outputs on a small corpus -------------------------------------------------


def _corpus(tmp: Path) -> tuple[Path, Path]:
    """The sample's first interviews: their transcripts and metadata rows."""
    meta = pd.read_csv(SAMPLE / "metadata.csv", dtype=str).head(N_INTERVIEWS)
    folder = tmp / "transcripts"
    folder.mkdir(parents=True)
    for name in meta["file"]:
        shutil.copy(SAMPLE / "transcripts" / name, folder / name)
    meta.to_csv(tmp / "metadata.csv", index=False)
    return folder, tmp / "metadata.csv"


def _params(path: Path, engine: dict | None) -> Path:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    raw.pop("engine", None)
    if engine is not None:
        raw["engine"] = engine
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _run_stages(out: Path, params: Path, corpus: tuple[Path, Path]) -> float:
    """Ingest, anonymise and embed into ``out``; the seconds it took."""
    from pipeline.anonymise.stage import run_stage as anonymise
    from pipeline.embed import run_stage as embed
    from pipeline.ingest.stage import run_stage as ingest

    started = time.perf_counter()
    o = {k: out / k for k in ("ingest", "anonymised", "segments", "private", "metrics")}
    for folder in o.values():
        folder.mkdir(parents=True)
    ingest(
        params, *corpus, o["ingest"] / "turns.parquet", o["ingest"] / "preamble.parquet",
        o["ingest"] / "interviews.parquet", o["ingest"] / "rejects.parquet",
        o["metrics"] / "ingest.json",
    )  # fmt: skip
    anonymise(
        params,
        o["ingest"] / "turns.parquet",
        o["ingest"] / "interviews.parquet",
        register_path=ROOT / "anonymisation" / "register.yaml",
        decisions_path=ROOT / "anonymisation" / "decisions.csv",
        allow_path=ROOT / "anonymisation" / "allow_list.txt",
        gold_path=None,
        out_turns=o["anonymised"] / "turns.parquet",
        out_interviews=o["anonymised"] / "interviews.parquet",
        key_path=o["private"] / "key.json",
        review_path=o["private"] / "review.csv",
        mentions_path=o["private"] / "mentions.parquet",
        metrics_path=o["metrics"] / "anonymise.json",
        progress=False,
        codebook_path=ROOT / "codebook" / "codebook.yaml",
    )
    embed(
        params,
        o["anonymised"] / "turns.parquet",
        segments_path=o["segments"] / "segments.parquet",
        embeddings_path=o["segments"] / "embeddings.npy",
        dropped_path=o["segments"] / "dropped_turns.parquet",
        metrics_path=o["metrics"] / "embed.json",
        questions_path=o["segments"] / "question_embeddings.npy",
    )
    return time.perf_counter() - started


@pytest.fixture(scope="session")
def engine_runs(tmp_path_factory):
    """The same small corpus through ingest, anonymise and embed on each engine."""
    pytest.importorskip("spacy")
    tmp = tmp_path_factory.mktemp("engines")
    corpus = _corpus(tmp / "corpus")
    local = _run_stages(tmp / "local", _params(tmp / "local.yaml", None), corpus)
    engine = {"kind": "dask", "n_workers": 2, "processes": False, "partition_interviews": 2}
    parts: list[int] = []
    from pipeline import engine as engine_module

    real_map = engine_module.DaskEngine.map

    def counting_map(self, fn, items):
        for result in real_map(self, fn, items):
            parts.append(1)
            yield result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_module.DaskEngine, "map", counting_map)
        dask = _run_stages(tmp / "dask", _params(tmp / "dask.yaml", engine), corpus)
    return tmp / "local", tmp / "dask", {"local": local, "dask": dask, "partitions": len(parts)}


# timings, and how many texts the embedding cache served: how the work was done, not its result
TIMING_KEYS = {
    "seconds",
    "embed_seconds",
    "segments_per_second",
    "words_per_second",
    "cached_texts",
    "embedded_texts",
}


def _without_timings(data):
    if isinstance(data, dict):
        return {k: _without_timings(v) for k, v in data.items() if k not in TIMING_KEYS}
    return data


@needs_dask
@pytest.mark.slow
def test_when_dask_engine_runs_the_per_interview_stages_then_outputs_are_byte_identical(
    engine_runs,
):
    local, dask, timings = engine_runs
    # 6 interviews, 2 per partition: 3 each for ingest and anonymise, and embed's batch runs
    assert timings["partitions"] >= 7, timings
    files = sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(dask) for p in dask.rglob("*") if p.is_file())
    assert len(files) >= 12
    for rel in files:
        if rel.suffix == ".json" and rel.parent.name == "metrics":
            a, b = (json.loads((root / rel).read_text()) for root in (local, dask))
            assert _without_timings(a) == _without_timings(b), rel
        else:
            assert (local / rel).read_bytes() == (dask / rel).read_bytes(), rel
