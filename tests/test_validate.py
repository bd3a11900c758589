"""The up-front input check: every problem of every input at once, grouped by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import QualevalError
from pipeline.metadata_sheet import escapes
from pipeline.validate import RunSpec, check_inputs
from pipeline.validate.folders import writable_problem

GOOD = b"Interviewer: What worked?\nRespondent: The networks.\n"


def _spec(tmp_path: Path, **changes) -> RunSpec:
    tdir = tmp_path / "in" / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "a.txt").write_bytes(GOOD)
    meta = tmp_path / "in" / "metadata.csv"
    meta.write_text("interview_id,file\nA,a.txt\n")
    cb = tmp_path / "in" / "codebook.yaml"
    cb.write_text("codes:\n  - id: benefit\n    label: Benefits\n    definition: Good.\n")
    params = tmp_path / "in" / "params.yaml"
    params.write_text("{}\n")
    values = {
        "params": params,
        "transcripts": tdir,
        "metadata": meta,
        "codebook": cb,
        "outputs": tmp_path / "out",
        "private": tmp_path / "private",
    }
    values.update(changes)
    return RunSpec(**values)


def test_when_every_input_is_fine_then_no_problem_and_nothing_written(tmp_path):
    spec = _spec(tmp_path)
    problems = check_inputs(spec)
    assert len(problems) == 0 and problems.checked >= 5
    assert not spec.outputs.exists() and not spec.private.exists()


def test_when_several_files_are_bad_then_each_is_listed_under_its_file(tmp_path):
    spec = _spec(
        tmp_path,
        codebook=tmp_path / "none.yaml",
        files=(("register_file", tmp_path / "reg.yaml"), ("human_codes", tmp_path / "h.jsonl")),
    )
    spec.params.write_text("ingest:\n  strictt: true\n")
    problems = check_inputs(spec)
    assert set(problems.by_file) == {
        str(spec.params),
        str(tmp_path / "none.yaml"),
        str(tmp_path / "reg.yaml"),
        str(tmp_path / "h.jsonl"),
    }
    with pytest.raises(QualevalError) as info:
        problems.raise_if_any()
    assert str(info.value).startswith("4 problem(s) in the inputs; nothing was written:")


def test_when_a_flag_gave_the_value_then_the_flag_is_blamed(tmp_path):
    flagged = _spec(tmp_path, transcripts=tmp_path / "nowhere", flags=frozenset({"transcripts"}))
    assert "fix --transcripts" in check_inputs(flagged).message()
    plain = _spec(tmp_path, transcripts=tmp_path / "nowhere")
    assert "fix data.transcripts_dir in params.yaml" in check_inputs(plain).message()


@pytest.mark.parametrize(
    ("engine", "installed", "problem"),
    [("local", False, False), ("dask", True, False), ("dask", False, True)],
    ids=["local", "dask installed", "dask missing"],
)
def test_when_dask_engine_asked_then_dask_distributed_must_be_installed(
    tmp_path, monkeypatch, engine, installed, problem
):
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "distributed" and not installed else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    spec = _spec(tmp_path)
    spec.params.write_text(f"engine: {engine}\n")
    message = check_inputs(spec).message()
    assert ("engine.kind" in message and "qualeval[dask]" in message) is problem, message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.txt", None),
        ("wave2/a.txt", None),
        ("../../etc/passwd", "goes up a folder ('..')"),
        ("/etc/passwd", "is an absolute path"),
        ("C:\\data\\a.txt", "is an absolute path"),
        ("sub\\..\\..\\a.txt", "goes up a folder ('..')"),
    ],
)
def test_when_metadata_file_value_read_then_paths_leaving_the_folder_are_named(value, expected):
    assert escapes(value) == expected


def test_when_folder_is_a_file_or_under_one_then_it_cannot_receive_files(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    assert "is a file, not a folder" in writable_problem(blocker)
    assert "is a file, so the folder cannot be created there" in writable_problem(blocker / "o")
    assert writable_problem(tmp_path / "new" / "deeper") is None


@pytest.mark.parametrize(
    ("pooling", "backend", "expected"),
    [
        ({"pooling_mode_mean_tokens": True}, "onnx", None),
        ({"pooling_mode_cls_token": True}, "onnx", "mean-pooled"),
        ({"pooling_mode_cls_token": True}, "torch", None),
    ],
)
def test_when_backend_cannot_run_the_model_then_validate_says_why(
    tmp_path, pooling, backend, expected
):
    import json

    pytest.importorskip("onnxruntime")
    from pipeline.validate.files import backend_problem

    types = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"]
    (tmp_path / "modules.json").write_text(json.dumps([{"type": t} for t in types]))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    why = backend_problem(str(tmp_path), backend)
    assert why is None if expected is None else expected in why


@pytest.mark.parametrize(
    ("listed", "params", "problem"),
    [
        ("a.txt", "{}\n", None),  # relative to the transcripts folder
        ("transcripts/a.txt", "{}\n", None),  # relative to the metadata file
        ("b.txt", "{}\n", "line 2: file 'b.txt' listed in the metadata but not found"),
        ("b.txt", "ingest:\n  strict: false\n", None),  # ingest's reject, not a stop
        ("a", "{}\n", "line 2: file 'a' listed in the metadata but not found"),
    ],
)
def test_when_listed_transcript_is_missing_then_the_check_names_its_line(
    tmp_path, listed, params, problem
):
    spec = _spec(tmp_path)
    spec.metadata.write_text(f"interview_id,file\nA,{listed}\n")
    spec.params.write_text(params)
    found = check_inputs(spec).by_file.get(str(spec.metadata), [])
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(problem)
        assert "add the transcript" in found[0]  # what to do


def test_when_bare_name_matches_two_files_then_the_check_lists_both(tmp_path):
    spec = _spec(tmp_path)
    for wave in ("w1", "w2"):
        (spec.transcripts / wave).mkdir()
        (spec.transcripts / wave / "c.txt").write_bytes(GOOD)
    spec.metadata.write_text("interview_id,file\nC,c.txt\n")
    (found,) = check_inputs(spec).by_file[str(spec.metadata)]
    assert "matches 2 files" in found and "w1/c.txt" in found and "w2/c.txt" in found


@pytest.mark.parametrize(
    ("section", "content", "problem"),
    [
        ("recommendations", "We recommend …\n".encode(), None),
        ("recommendations", None, "not found (evaluation.sections.recommendations in params.yaml)"),
        ("discussion", b"\xff\xfe bad", "not UTF-8 text"),
    ],
)
def test_when_a_section_file_is_named_then_the_check_reads_it_up_front(
    tmp_path, section, content, problem
):
    spec = _spec(tmp_path)
    path = tmp_path / "in" / f"{section}.md"
    if content is not None:
        path.write_bytes(content)
    spec.params.write_text(f"evaluation:\n  sections:\n    {section}: {path}\n")
    found = check_inputs(spec).by_file.get(str(path), [])
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0])


def test_when_a_theme_section_is_missing_then_its_theme_is_named(tmp_path):
    spec = _spec(tmp_path)
    missing = tmp_path / "in" / "benefit.md"
    spec.params.write_text(f"evaluation:\n  sections:\n    themes:\n      benefit: {missing}\n")
    (found,) = check_inputs(spec).by_file[str(missing)]
    assert "evaluation.sections.themes.benefit" in found and "remove the entry" in found


@pytest.mark.parametrize(
    ("evaluation", "problem"),
    [
        ("research_questions: [{question: 'Q?', codes: [benefit]}]", None),
        (
            "research_questions: [{question: 'Q?', codes: [benefti]}]",
            "evaluation.research_questions[0].codes: 'benefti' is not a code of the codebook "
            "(did you mean 'benefit'?); correct the id or remove it",
        ),
    ],
)
def test_when_evaluation_names_a_code_then_the_check_matches_it_to_the_codebook(
    tmp_path, evaluation, problem
):
    spec = _spec(tmp_path)
    spec.params.write_text(f"evaluation:\n  {evaluation}\n")
    found = check_inputs(spec).by_file.get(str(spec.params), [])
    assert found == ([] if problem is None else [problem])
