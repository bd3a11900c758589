"""Bad input, as a careless or unlucky user makes it: a clear error, nothing written, no traceback.

One table-driven case per class of bad input (issue 15): each runs ``qualeval run`` on a tiny
corpus with one thing broken and checks the exit status, the first line of the message and
that nothing was written (a first run) or that the previous outputs are byte-identical (a
rerun). Checks made before any stage, and the ingest stage's own, never load a model, so the
table is cheap. Then the transcript parsers are fuzzed (they parse or raise ``Rejected``), and
interrupts and failures at several points of a run are shown to leave the previous outputs
untouched (fake stages: the run's machinery, not the models, is under test).
"""

from __future__ import annotations

import io
import os
import signal
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.ingest.parse import parse_transcript
from pipeline.ingest.rejected import Rejected
from pipeline.params import IngestParams

runner = CliRunner()
GOOD = b"Interviewer: What worked for you?\nRespondent: The networks, mostly.\n"
SRT_DUPLICATE = (
    b"1\n00:00:01,000 --> 00:00:04,000\nInterviewer: What worked?\n\n"
    b"2\n00:00:05,000 --> 00:00:06,000\nRespondent: The networks.\n\n"
    b"2\n00:00:07,000 --> 00:00:09,000\nRespondent: Again.\n"
)
SRT_NO_TIMING = (
    b"1\n00:00:01,000 --> 00:00:04,000\nRespondent: Fine.\n\n2\nInterviewer: And then?\n"
)


def _corpus(tmp_path: Path) -> dict[str, Path]:
    """Two interviews, a codebook and params: a corpus that runs."""
    src = tmp_path / "in"
    tdir = src / "transcripts"
    tdir.mkdir(parents=True, exist_ok=True)
    (tdir / "a.txt").write_bytes(GOOD)
    (tdir / "b.txt").write_bytes(GOOD.replace(b"networks", b"meetings"))
    meta = src / "metadata.csv"
    meta.write_text("interview_id,file,role\nA,a.txt,Lead\nB,b.txt,Lead\n")
    cb = src / "codebook.yaml"
    cb.write_text("codes:\n  - id: benefit\n    label: Benefits\n    definition: Good things.\n")
    (src / "params.yaml").write_text("{}\n")
    return {"src": src, "t": tdir, "meta": meta, "cb": cb, "params": src / "params.yaml"}


def _args(c: dict[str, Path], out: Path) -> list[str]:
    return [
        "run",
        "--transcripts",
        str(c["t"]),
        "--metadata",
        str(c["meta"]),
        "--codebook",
        str(c["cb"]),
        "--params",
        str(c["params"]),
        "--out",
        str(out),
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _previous(tmp_path: Path) -> tuple[Path, Path]:
    """A previous good run's folders (a passed verdict among them)."""
    out, priv = tmp_path / "share", tmp_path / "private"
    (out / "metrics").mkdir(parents=True)
    (out / "metrics" / "verify.json").write_text('{"passed": true}\n')
    (out / "report.md").write_text("the previous report\n")
    priv.mkdir()
    (priv / "turns.parquet").write_bytes(b"previous turns")
    return out, priv


def _params(text: str):
    def edit(c, tmp_path):
        c["params"].write_text(text)

    return edit


def _transcript(name: str, data: bytes):
    def edit(c, tmp_path):
        (c["t"] / "a.txt").unlink()
        (c["t"] / name).write_bytes(data)
        c["meta"].write_text(f"interview_id,file,role\nA,{name},Lead\nB,b.txt,Lead\n")

    return edit


def _metadata(text: str):
    def edit(c, tmp_path):
        c["meta"].write_text(text)

    return edit


def _out_is_file(c, tmp_path):
    (tmp_path / "share").write_text("not a folder")


def _private_is_file(c, tmp_path):
    (tmp_path / "private").write_text("not a folder")


def _no_respondent(c, tmp_path):
    for name in ("a.txt", "b.txt"):
        (c["t"] / name).write_bytes(b"Interviewer: Hello?\nInterviewer: Anyone there?\n")


def _link_outside(c, tmp_path):
    outside = tmp_path / "secure" / "c.txt"
    outside.parent.mkdir()
    outside.write_bytes(GOOD)
    (c["t"] / "a.txt").unlink()
    (c["t"] / "a.txt").symlink_to(outside)
    c["params"].write_text("ingest:\n  follow_symlinks: false\n")


def _docx(size_mb: float) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/media/big.bin", b"\0" * int(size_mb * 1_000_000))
    return buf.getvalue()


@dataclass(frozen=True)
class Case:
    """One class of bad input: how to break the corpus, and what ``run`` must answer."""

    name: str
    edit: object
    status: int
    first_line: str
    detail: str
    out: str = "share"  # the --out folder, under tmp_path
    rerun: bool = True  # also run it over a previous good run's folders


CASES = [
    Case(
        "five_mb_line",
        _transcript("a.txt", b"Interviewer: Hi?\nRespondent: " + b"word " * 1_050_000 + b"\n"),
        2,
        "error: stage ingest failed: 1 listed transcript(s) cannot be analysed",
        "max_line_chars",
    ),
    Case(
        "out_is_a_file",
        _out_is_file,
        2,
        "error: 1 problem(s) in the inputs",
        "is a file",
        rerun=False,
    ),
    Case(
        "private_is_a_file",
        _private_is_file,
        2,
        "error: 1 problem(s) in the inputs",
        "is a file, not a folder",
        rerun=False,
    ),
    Case(
        "out_is_the_parent_of_the_transcripts",
        None,
        2,
        "error: 1 problem(s) in the inputs",
        "holds the transcripts folder",
        out="in",
        rerun=False,
    ),
    Case(
        "missing_allow_list",
        _params("data:\n  allow_list: nowhere.txt\n"),
        2,
        "error: 1 problem(s) in the inputs",
        "allow-list not found",
    ),
    Case(
        "bad_ner_model",
        _params("anonymise:\n  ner_model: models/none_such\n"),
        2,
        "error: 1 problem(s) in the inputs",
        "no spaCy pipeline there",
    ),
    Case(
        "min_words_over_max_words",
        _params("embed:\n  min_words: 100\n  max_words: 80\n"),
        2,
        "error: ",
        "min_words (100) is greater than max_words (80); lower min_words or raise max_words",
    ),
    Case(
        "srt_duplicate_index",
        _transcript("a.srt", SRT_DUPLICATE),
        2,
        "error: stage ingest failed: 1 listed transcript(s) cannot be analysed",
        "line 9: cue index 2 repeats the cue at line 5",
    ),
    Case(
        "srt_cue_without_timing",
        _transcript("a.srt", SRT_NO_TIMING),
        2,
        "error: stage ingest failed: 1 listed transcript(s) cannot be analysed",
        "line 6: cue 2 has no timing line",
    ),
    Case(
        "no_respondent_turns",
        _no_respondent,
        2,
        "error: stage ingest failed: 2 listed transcript(s) cannot be analysed",
        "no turn was assigned to a respondent",
    ),
    Case(
        "semicolon_metadata",
        _metadata("interview_id;file\nA;a.txt\n"),
        2,
        "error: 1 problem(s) in the inputs",
        "separated by semicolons",
    ),
    Case(
        "header_spelled_differently",
        _metadata("Interview_ID, File \nA,a.txt\n"),
        2,
        "error: 1 problem(s) in the inputs",
        "found 'Interview_ID' for 'interview_id' and ' File ' for 'file'",
    ),
    Case(
        "metadata_path_outside_the_folder",
        _metadata("interview_id,file\nA,../../etc/passwd\nB,b.txt\n"),
        2,
        "error: 1 problem(s) in the inputs",
        "line 2: file '../../etc/passwd' goes up a folder ('..'): refused",
    ),
    Case(
        "symlink_refused",
        _link_outside,
        2,
        "error: 1 problem(s) in the inputs",
        "is a symbolic link and ingest.follow_symlinks is false",
    ),
    Case(
        "file_over_the_size_limit",
        _params("ingest:\n  max_file_mb: 0.00001\n"),
        2,
        "error: 2 problem(s) in the inputs",
        "over the limit ingest.max_file_mb",
    ),
    Case(
        "enormous_docx",
        _transcript("a.docx", _docx(3)),
        2,
        "error: stage ingest failed: 1 listed transcript(s) cannot be analysed",
        "over ingest.max_docx_mb",
    ),
    Case(
        "several_problems_at_once",
        _params("data:\n  register_file: none.yaml\n  allow_list: none.txt\n"),
        2,
        "error: 2 problem(s) in the inputs",
        "anonymisation register not found",
    ),
]


def _limit_docx(c, tmp_path):
    """The enormous-docx case runs with a 1 MB unpacked limit (the file is small on disk)."""
    if (c["t"] / "a.docx").exists():
        c["params"].write_text("ingest:\n  max_docx_mb: 1\n")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_when_input_is_bad_then_clear_error_and_nothing_written(case, tmp_path):
    c = _corpus(tmp_path)
    if case.edit is not None:
        case.edit(c, tmp_path)
    _limit_docx(c, tmp_path)
    out = tmp_path / case.out
    before = {p for p in tmp_path.rglob("*")}
    res = runner.invoke(app, _args(c, out))
    assert res.exit_code == case.status, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert lines and lines[0].startswith(case.first_line), res.output
    assert case.detail in res.output
    made = {p for p in tmp_path.rglob("*")} - before
    # a stage failure leaves its partial folders (named in the message); nothing else is made
    assert {p.name for p in made if p.parent == tmp_path} <= {".share.partial", ".private.partial"}
    if "stage" in case.first_line:
        assert "partial work in" in lines[0]


@pytest.mark.parametrize("case", [c for c in CASES if c.rerun], ids=lambda c: c.name)
def test_when_rerun_with_bad_input_then_previous_outputs_intact(case, tmp_path):
    c = _corpus(tmp_path)
    out, priv = _previous(tmp_path)
    before = (_tree(out), _tree(priv))
    if case.edit is not None:
        case.edit(c, tmp_path)
    _limit_docx(c, tmp_path)
    res = runner.invoke(app, _args(c, out))
    assert res.exit_code == case.status, res.output
    assert (_tree(out), _tree(priv)) == before


def test_when_out_is_read_only_then_refused_before_anything_written(tmp_path, monkeypatch):
    from pipeline.validate import folders

    c = _corpus(tmp_path)
    out = tmp_path / "share"
    out.mkdir()

    class ReadOnly:  # the folder's permissions as a non-root user would see them
        W_OK, X_OK = os.W_OK, os.X_OK

        @staticmethod
        def access(path, mode):
            return Path(path) != out and os.access(path, mode)

    monkeypatch.setattr(folders, "os", ReadOnly)
    res = runner.invoke(app, _args(c, out))
    assert res.exit_code == 2
    assert "share is read-only; choose a folder you can write to" in res.output
    assert list(out.iterdir()) == [] and not (tmp_path / "private").exists()


def test_when_transcripts_flag_names_no_folder_then_the_flag_is_blamed(tmp_path):
    c = _corpus(tmp_path)
    args = _args(c, tmp_path / "share")
    args[args.index("--transcripts") + 1] = str(tmp_path / "nowhere")
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert "transcripts folder not found; fix --transcripts" in res.output
    assert "params.yaml" not in res.output


# --- the parsers, one file at a time ---------------------------------------------------------

P = IngestParams()
UTF16 = "Interviewer: What changed?\nRespondent: Everything, honestly.\n"
SRT_OVERLAP = SRT_DUPLICATE.replace(b"2\n00:00:07", b"3\n00:00:07").replace(
    b"00:00:05", b"00:00:03"
)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.txt", UTF16.encode("utf-16-le"), "warning:UTF-16-LE without a byte-order mark"),
        ("a.txt", UTF16.encode("utf-16-be"), "warning:UTF-16-BE without a byte-order mark"),
        ("a.srt", SRT_OVERLAP, "warning:line 6: cue 2 starts before cue 1 ends"),
        ("a.srt", SRT_DUPLICATE.replace(b"\n2\n00:00:07", b"\nx\n00:00:07"), "malformed_srt"),
        (
            "a.vtt",
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi\n\nlost text\n",
            "malformed_vtt",
        ),
        (
            "a.txt",
            b"Interviewer: Hi?\nRespondent: " + (b"x " * 45_000 + b"\n") * 7,
            "turn_too_long",
        ),
    ],
)
def test_when_transcript_is_odd_then_parsed_with_a_warning_or_refused_with_a_reason(
    name, data, expected
):
    params = IngestParams(max_turn_chars=500_000)
    if expected.startswith("warning:"):
        parsed = parse_transcript(name, data, params)
        assert any(expected.removeprefix("warning:") in w for w in parsed.warnings), parsed.warnings
    else:
        with pytest.raises(Rejected) as info:
            parse_transcript(name, data, params)
        assert info.value.reason == expected
        assert "line" in info.value.message or "cue" in info.value.message


def test_when_transcript_is_a_symlink_then_followed_and_logged(tmp_path, caplog):
    from pipeline.ingest import ingest, read_metadata

    c = _corpus(tmp_path)
    _link_outside(c, tmp_path)
    with caplog.at_level("INFO", logger="pipeline.ingest.discover"):
        res = ingest(c["t"], read_metadata(c["meta"]), IngestParams(follow_symlinks=True))
    assert res.metrics()["interviews"] == 2
    assert "a.txt: a symbolic link to" in caplog.text


_LABELS = st.sampled_from(["Interviewer: ", "Respondent: ", "R: ", "Q: ", "", "Speaker 1: "])
_LINE = st.tuples(_LABELS, st.text(max_size=40)).map("".join)
_SRT_BLOCK = st.tuples(
    st.sampled_from(["1", "2", "x", ""]),
    st.sampled_from(["00:00:01,000 --> 00:00:02,000", "00:00:03,000 --> 00:00:01,000", "", "junk"]),
    _LINE,
).map("\n".join)
_VTT_BLOCK = st.tuples(
    st.sampled_from(["00:00:01.000 --> 00:00:02.000", "00:01.000 --> 00:02.000", "", "NOTE"]),
    st.tuples(st.sampled_from(["<v Int>", "<v Resp>", ""]), _LINE).map("".join),
).map("\n".join)
_FILES = st.one_of(
    st.tuples(st.just("a.txt"), st.lists(_LINE, max_size=8).map("\n".join).map(str.encode)),
    st.tuples(st.just("a.txt"), st.binary(max_size=300)),
    st.tuples(st.just("a.srt"), st.lists(_SRT_BLOCK, max_size=5).map("\n\n".join).map(str.encode)),
    st.tuples(
        st.just("a.vtt"),
        st.lists(_VTT_BLOCK, max_size=5)
        .map(lambda b: "WEBVTT\n\n" + "\n\n".join(b))
        .map(str.encode),
    ),
    st.tuples(st.sampled_from(["a.vtt", "a.srt", "a.docx", "a.md"]), st.binary(max_size=200)),
)


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_FILES)
def test_when_parsers_fuzzed_then_they_parse_or_raise_rejected(file):
    name, data = file
    try:
        parsed = parse_transcript(name, data, P)
    except Rejected as exc:
        assert exc.reason and exc.message
    else:
        assert parsed.turns


# --- all or nothing: failures and interrupts at several points of a run ----------------------


@dataclass
class FakeStage:
    """A stage that writes one shareable and one private file, then maybe fails."""

    name: str
    fail: str = ""  # "", "error", "sigint" or "crash"

    def main(self):
        def main(out: Path, private: Path, version: str) -> None:
            (out / "metrics").mkdir(parents=True, exist_ok=True)
            (out / "metrics" / f"{self.name}.json").write_text(version)
            (private / f"{self.name}.parquet").write_text(version)
            if self.name == "verify":
                (out / "metrics" / "verify.json").write_text('{"passed": true}\n')
            if self.fail == "sigint":
                os.kill(os.getpid(), signal.SIGINT)
            if self.fail == "error":
                from pipeline.errors import QualevalError

                raise QualevalError(f"{self.name}: a problem")
            if self.fail == "crash":
                raise ValueError("[E088] Text of length 5242868 exceeds maximum")

        return main


def _fake_run(monkeypatch, tmp_path, version: str, fail_at: str = "", how: str = ""):
    from pipeline import run

    names = ["validate", "ingest", "embed", "report", "verify"]
    stages = [FakeStage(n, how if n == fail_at else "") for n in names]
    monkeypatch.setattr(run, "STAGES", stages)
    monkeypatch.setattr(
        run,
        "stage_arguments",
        lambda stage, inputs: {"out": inputs.out, "private": inputs.private, "version": version},
    )
    c = _corpus(tmp_path)
    return runner.invoke(app, _args(c, tmp_path / "share"))


@pytest.mark.parametrize(
    ("fail_at", "how", "status", "first_line"),
    [
        ("validate", "sigint", 130, "error: interrupted during stage validate"),
        ("embed", "sigint", 130, "error: interrupted during stage embed"),
        ("verify", "sigint", 130, "error: interrupted during stage verify"),
        ("report", "error", 2, "error: stage report failed: report: a problem"),
        ("ingest", "crash", 1, "error: stage ingest failed unexpectedly (ValueError: [E088]"),
    ],
)
def test_when_run_interrupted_or_failing_then_previous_outputs_byte_identical(
    fail_at, how, status, first_line, tmp_path, monkeypatch
):
    assert _fake_run(monkeypatch, tmp_path, "first").exit_code == 0
    out, priv = tmp_path / "share", tmp_path / "private"
    (out / "README.md").write_text("kept: no stage writes it\n")
    before = (_tree(out), _tree(priv))
    res = _fake_run(monkeypatch, tmp_path, "second", fail_at, how)
    assert res.exit_code == status, res.output
    assert res.output.strip().splitlines()[-1].startswith(first_line), res.output
    assert "partial work in" in res.output and "untouched" in res.output
    assert (_tree(out), _tree(priv)) == before


def test_when_first_run_interrupted_then_no_outputs(tmp_path, monkeypatch):
    res = _fake_run(monkeypatch, tmp_path, "first", "embed", "sigint")
    assert res.exit_code == 130
    assert not (tmp_path / "share").exists() and not (tmp_path / "private").exists()


def test_when_rerun_succeeds_then_new_outputs_swapped_in_and_others_kept(tmp_path, monkeypatch):
    assert _fake_run(monkeypatch, tmp_path, "first").exit_code == 0
    out = tmp_path / "share"
    (out / "README.md").write_text("kept\n")
    assert _fake_run(monkeypatch, tmp_path, "second").exit_code == 0
    assert (out / "metrics" / "embed.json").read_text() == "second"
    assert (out / "README.md").read_text() == "kept\n"
    assert not (tmp_path / ".share.partial").exists()
    assert not (tmp_path / ".share.previous").exists()


def test_when_validate_stage_fails_then_previous_verdict_is_gone(tmp_path):
    """Under dvc repro the first stage removes the verdict, whatever happens next."""
    from pipeline.errors import QualevalError
    from pipeline.validate import RunSpec
    from pipeline.validate.stage import run_stage

    c = _corpus(tmp_path)
    out, priv = _previous(tmp_path)
    spec = RunSpec(c["params"], c["t"], tmp_path / "none.csv", c["cb"], out, priv)
    with pytest.raises(QualevalError, match="metadata file not found"):
        run_stage(spec, out / "metrics" / "validate.json")
    assert not (out / "metrics" / "verify.json").exists()
    assert not (out / "metrics" / "validate.json").exists()


def test_when_no_respondent_text_reaches_embed_then_error_with_advice(tmp_path):
    import pandas as pd

    from pipeline import embed
    from pipeline.errors import QualevalError

    turns = tmp_path / "turns.parquet"
    pd.DataFrame(
        {
            "interview_id": ["A"],
            "turn_index": [0],
            "speaker_role": ["interviewer"],
            "text": ["What worked?"],
        }
    ).to_parquet(turns)
    paths = {k: tmp_path / f"{k}.x" for k in ("segments", "embeddings", "dropped", "metrics")}
    with pytest.raises(QualevalError, match="nothing to analyse; check that the interviewees"):
        embed.run_stage(
            None,
            turns,
            segments_path=paths["segments"],
            embeddings_path=paths["embeddings"],
            dropped_path=paths["dropped"],
            metrics_path=paths["metrics"],
        )
    assert not any(p.exists() for p in paths.values())
