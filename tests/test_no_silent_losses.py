"""ingest.strict (default true): every listed transcript that cannot be analysed stops the run,
all listed at once; with strict false they are left out and the report says how many and why."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import report as R
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.ingest import ingest
from pipeline.ingest.metadata import read_metadata
from pipeline.ingest.stage import run_stage
from pipeline.params import IngestParams, ReportParams

GOOD = b"Interviewer: What worked?\nRespondent: The networks were the best part of it.\n"
# only interviewer turns: no respondent turn, nothing to analyse
NO_RESPONDENT = b"Interviewer: What worked?\nInterviewer: And what did not?\n"
FILES = {"a.txt": GOOD, "b.txt": b"", "c.txt": NO_RESPONDENT, "d.txt": GOOD}
ROWS = [{"interview_id": k.upper()[0], "file": k} for k in ("a.txt", "b.txt", "c.txt", "d.txt")]


def _corpus(tmp_path: Path, files: dict[str, bytes], rows: list[dict]) -> tuple[Path, Path]:
    tdir = tmp_path / "transcripts"
    tdir.mkdir()
    for name, data in files.items():
        (tdir / name).write_bytes(data)
    meta = tmp_path / "metadata.csv"
    pd.DataFrame(rows).to_csv(meta, index=False)
    return tdir, meta


def _outputs(tmp_path: Path) -> dict[str, Path]:
    priv = tmp_path / "private"
    return {
        "turns": priv / "turns.parquet",
        "preamble": priv / "preamble.parquet",
        "interviews": priv / "interviews.parquet",
        "rejects": priv / "rejects.csv",
        "metrics": tmp_path / "outputs" / "ingest.json",
    }


def test_when_params_say_nothing_then_strict_is_the_default():
    assert IngestParams().strict is True


def test_when_strict_then_every_problem_listed_at_once_and_nothing_written(tmp_path):
    tdir, meta = _corpus(tmp_path, FILES, ROWS)
    out = _outputs(tmp_path)
    with pytest.raises(QualevalError) as exc:
        run_stage(None, tdir, meta, **out)
    msg = str(exc.value)
    assert msg.startswith("2 listed transcript(s) cannot be analysed")
    for expected in ("b.txt: ", "[empty]", "c.txt: ", "[no_respondent_turn]", "ingest.strict"):
        assert expected in msg
    assert "networks" not in msg  # never transcript text
    assert not any(p.exists() for p in out.values())


def test_when_strict_then_stray_unlisted_files_do_not_stop_the_run(tmp_path):
    tdir, meta = _corpus(tmp_path, {"a.txt": GOOD, "notes.pdf": b"%PDF"}, ROWS[:1])
    res = ingest(tdir, read_metadata(meta), IngestParams())
    assert res.interviews.interview_id.tolist() == ["A"]
    assert res.metrics()["excluded_by_reason"] == {}


def test_when_not_strict_then_losses_left_out_of_tables_and_counted_by_reason(tmp_path):
    tdir, meta = _corpus(tmp_path, FILES, ROWS)
    params = tmp_path / "params.yaml"
    params.write_text("ingest:\n  strict: false\n")
    out = _outputs(tmp_path)
    res = run_stage(params, tdir, meta, **out)
    assert res.interviews.interview_id.tolist() == ["A", "D"]
    assert sorted(res.turns.interview_id.unique()) == ["A", "D"]
    metrics = json.loads(out["metrics"].read_text())
    assert metrics["interviews"] == 2
    assert metrics["excluded_by_reason"] == {"empty": 1, "no_respondent_turn": 1}


CODEBOOK = """\
codes:
  - id: benefit
    label: Benefits
    definition: Good things that came from the programme for the councils taking part.
"""

EXCLUSION_CASES = [
    ("none_excluded", {}, None, None),
    (
        "two_excluded",
        {"empty": 1, "no_respondent_turn": 1},
        "2 (1 empty file, 1 no respondent turn)",
        "2 further interviews were excluded before analysis",
    ),
    (
        "one_excluded",
        {"undecodable": 1},
        "1 (1 text encoding not readable)",
        "1 further interview was",
    ),
]


@pytest.mark.parametrize(
    ("case", "excluded", "row", "intro"), EXCLUSION_CASES, ids=[c[0] for c in EXCLUSION_CASES]
)
def test_when_interviews_excluded_then_methods_and_intro_say_so_and_denominators_are_analysed(
    tmp_path, case, excluded, row, intro
):
    book = tmp_path / "codebook.yaml"
    book.write_text(CODEBOOK)
    ivs = [f"I0{i}" for i in range(1, 5)]
    interviews = pd.DataFrame({"interview_id": ivs, "role": ["Manager"] * 4})
    segments = pd.DataFrame(
        {
            "segment_id": [f"{i}-1" for i in ivs],
            "interview_id": ivs,
            "text": ["The networks were really useful to all of us across the region."] * 4,
        }
    )
    codes = segments[["interview_id", "segment_id"]].assign(code_id="benefit", score=2.0)
    inputs = R.Inputs(
        interviews=interviews,
        segments=segments,
        segment_codes=codes.assign(turn_index=1),
        codebook=load_codebook(book),
        excluded=excluded,
    )
    params = ReportParams(attribution=["role"], crosstab_by=["role"], group_by="role")
    rep = R.build_report(inputs, params)
    methods = rep.table("methods").frame
    found = methods.loc[methods["item"] == "Interviews excluded at ingest", "value"].tolist()
    assert found == ([] if row is None else [row])
    assert methods.loc[methods["item"] == "Interviews", "value"].tolist() == ["4"]
    said = " ".join(rep.intro)
    assert (intro is None and "excluded" not in said) or (intro is not None and intro in said)
    prevalence = rep.table("theme_prevalence").frame.iloc[0]
    # of the 4 analysed, not of the 4 + excluded
    assert (prevalence["of"], prevalence["share"]) == (4, 1.0)
