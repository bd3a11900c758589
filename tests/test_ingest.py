"""Ingest: formats, label styles, merging, preamble, encodings, roles, bad input, the sample."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_docx

from pipeline.errors import QualevalError
from pipeline.ingest import (
    Rejected,
    assign_roles,
    ingest,
    parse_transcript,
    read_metadata,
    run_stage,
    validate_metadata,
)
from pipeline.params import IngestParams

P = IngestParams()


def turns_of(name: str, data: bytes, known: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    parsed = parse_transcript(name, data, P, known_names=known)
    return [(t.label, "\n\n".join(t.paras)) for t in parsed.turns]


VTT_TEAMS = """WEBVTT

5d3e6a0c-7f1b/11-0
00:00:03.120 --> 00:00:07.480
<v Helen Marsh>Thanks for joining. How has the</v>

5d3e6a0c-7f1b/12-0
00:00:07.500 --> 00:00:09.000
<v Helen Marsh>programme gone?</v>

9a1b2c3d-7f1b/13-0
00:00:09.800 --> 00:00:14.250
<v Marcus Adeyemi>It has gone well, broadly.</v>

9a1b2c3d-7f1b/14-0
00:00:14.300 --> 00:00:16.000
<v Marcus Adeyemi>Time is the problem.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:02,500
Interviewer: What worked?

2
00:00:03,000 --> 00:00:05,000
Respondent: The networks.

3
00:00:05,100 --> 00:00:06,000
And the data.
"""

VTT_ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
Helen Marsh: What worked?

2
00:00:03.500 --> 00:00:06.000
Marcus Adeyemi: The networks,

3
00:00:06.100 --> 00:00:08.000
and the trust.

4
00:00:08.500 --> 00:00:09.000
Helen Marsh: Thanks.

5
00:00:09.500 --> 00:00:10.000
Marcus Adeyemi: Pleasure.
"""

FORMAT_CASES = [
    (
        "interviewer_respondent",
        "a.txt",
        b"Interviewer: What worked?\nRespondent: The networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "int_r",
        "a.txt",
        b"INT: What worked?\n\nR: The networks.\n",
        [("INT", "What worked?"), ("R", "The networks.")],
    ),
    (
        "q_a",
        "a.txt",
        b"Q: What worked?\nA: The networks.\n",
        [("Q", "What worked?"), ("A", "The networks.")],
    ),
    (
        "timestamps_before",
        "a.txt",
        b"[00:03:12] Interviewer: What worked?\n[00:03:15] Respondent: The networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "timestamps_after",
        "a.txt",
        b"Interviewer (00:03:12): What worked?\nRespondent (00:03:15): The networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "real_names",
        "a.txt",
        b"Helen Marsh: What worked?\nMarcus Adeyemi: The networks.\nHelen Marsh: And?\n"
        b"Marcus Adeyemi: Trust.\n",
        [
            ("Helen Marsh", "What worked?"),
            ("Marcus Adeyemi", "The networks."),
            ("Helen Marsh", "And?"),
            ("Marcus Adeyemi", "Trust."),
        ],
    ),
    (
        "upper_first_names",
        "a.txt",
        b"HELEN: What worked?\nMARCUS: The networks.\nHELEN: And?\nMARCUS: Trust.\n",
        [
            ("HELEN", "What worked?"),
            ("MARCUS", "The networks."),
            ("HELEN", "And?"),
            ("MARCUS", "Trust."),
        ],
    ),
    (
        "markdown_bold_inside",
        "a.md",
        b"**Interviewer:** What worked?\n\n**Respondent:** The networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "markdown_bold_outside",
        "a.md",
        b"**Interviewer**: What worked?\n\n**Respondent**: The networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "label_on_own_line",
        "a.txt",
        b"Interviewer:\nWhat worked?\n\nRespondent:\nThe networks.\n",
        [("Interviewer", "What worked?"), ("Respondent", "The networks.")],
    ),
    (
        "vtt_teams",
        "a.vtt",
        VTT_TEAMS.encode(),
        [
            ("Helen Marsh", "Thanks for joining. How has the programme gone?"),
            ("Marcus Adeyemi", "It has gone well, broadly. Time is the problem."),
        ],
    ),
    (
        "vtt_zoom_labels_in_text",
        "a.vtt",
        VTT_ZOOM.encode(),
        [
            ("Helen Marsh", "What worked?"),
            ("Marcus Adeyemi", "The networks, and the trust."),
            ("Helen Marsh", "Thanks."),
            ("Marcus Adeyemi", "Pleasure."),
        ],
    ),
    (
        "srt_labels_in_text",
        "a.srt",
        SRT.encode(),
        [("Interviewer", "What worked?"), ("Respondent", "The networks. And the data.")],
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "expected"), FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES]
)
def test_when_format_or_label_style_then_turns_parsed(case, name, data, expected):
    assert turns_of(name, data) == expected


def test_when_docx_has_bold_labels_then_turns_and_continuation_paragraphs():
    data = make_docx(
        [
            (None, "Peer challenge evaluation, telephone interview"),
            ("Interviewer", "What worked?"),
            ("Respondent", "The networks."),
            (None, "And the honesty."),
            ("Interviewer", "Thanks."),
        ]
    )
    parsed = parse_transcript("a.docx", data, P)
    assert [(t.label, t.paras) for t in parsed.turns] == [
        ("Interviewer", ["What worked?"]),
        ("Respondent", ["The networks.", "And the honesty."]),
        ("Interviewer", ["Thanks."]),
    ]
    assert [ln.text for ln in parsed.preamble] == ["Peer challenge evaluation, telephone interview"]
    assert (parsed.turns[1].first, parsed.turns[1].last) == (3, 4)
    assert parsed.unit == "paragraph"


MERGE_CASES = [
    (
        "same_speaker_labels_merge",
        b"I: Hi?\nR: One.\nR: Two.\nI: Bye?\n",
        [("I", "Hi?"), ("R", "One.\n\nTwo."), ("I", "Bye?")],
    ),
    (
        "unlabelled_paragraph_continues",
        b"I: Hi?\n\nR: One.\n\nTwo.\n\nI: Bye?\n",
        [("I", "Hi?"), ("R", "One.\n\nTwo."), ("I", "Bye?")],
    ),
    (
        "wrapped_lines_join_with_space",
        b"I: Hi\nthere?\nR: One\ntwo.\n",
        [("I", "Hi there?"), ("R", "One two.")],
    ),
    (
        "colon_in_sentence_is_not_a_label",
        b"I: Hi?\nR: Well.\nThe thing is: time.\n",
        [("I", "Hi?"), ("R", "Well. The thing is: time.")],
    ),
    (
        "lowercase_phrase_is_not_a_label",
        b"I: Hi?\nR: Yes\nand so on: time.\n",
        [("I", "Hi?"), ("R", "Yes and so on: time.")],
    ),
    (
        "timestamp_only_continuation",
        b"[00:01] I: Hi?\n[00:02] R: One.\n[00:05] more words\n",
        [("I", "Hi?"), ("R", "One. more words")],
    ),
    (
        "same_speaker_different_case",
        b"Interviewer: Hi?\nINTERVIEWER: Again?\nR: Yes.\n",
        [("Interviewer", "Hi?\n\nAgain?"), ("R", "Yes.")],
    ),
]


@pytest.mark.parametrize(("case", "data", "expected"), MERGE_CASES, ids=[c[0] for c in MERGE_CASES])
def test_when_merging_rule_then_turns_follow_it(case, data, expected):
    assert turns_of("a.txt", data) == expected


def test_when_header_before_first_turn_then_it_is_preamble_not_a_turn():
    data = (
        b"Evaluation of the peer challenge programme\nDate: 12 March 2013\n\n"
        b"Interviewer: Hi?\nRespondent: Hello.\n"
    )
    parsed = parse_transcript("a.txt", data, P)
    assert [ln.text for ln in parsed.preamble] == [
        "Evaluation of the peer challenge programme",
        "Date: 12 March 2013",
    ]
    assert [t.label for t in parsed.turns] == ["Interviewer", "Respondent"]


def test_when_single_name_label_matches_metadata_then_accepted():
    data = b"Interviewer: Hi?\nRespondent: Hello.\nPriya Shah: Sorry to butt in.\nRespondent: Ok.\n"
    # seen once and unknown: not a label, so the line stays inside the respondent's turn
    assert [t for t, _ in turns_of("a.txt", data)] == ["Interviewer", "Respondent"]
    assert [t for t, _ in turns_of("a.txt", data, known=("Priya Shah",))] == [
        "Interviewer",
        "Respondent",
        "Priya Shah",
        "Respondent",
    ]


ENCODING_CASES = [
    ("utf8", "Interviewer: Zoë?\nRespondent: £5.\n".encode(), "utf-8", False),
    ("utf8_bom", "Interviewer: Zoë?\nRespondent: £5.\n".encode("utf-8-sig"), "utf-8-sig", False),
    ("crlf", "Interviewer: Zoë?\r\nRespondent: £5.\r\n".encode(), "utf-8", False),
    ("cp1252", "Interviewer: Zoë?\r\nRespondent: £5 \u2019.\r\n".encode("cp1252"), "cp1252", True),
    ("utf16_bom", "Interviewer: Zoë?\nRespondent: £5.\n".encode("utf-16"), "utf-16", False),
]


@pytest.mark.parametrize(
    ("case", "data", "encoding", "warned"), ENCODING_CASES, ids=[c[0] for c in ENCODING_CASES]
)
def test_when_encoding_then_decoded_and_fallback_warned(case, data, encoding, warned):
    parsed = parse_transcript("a.txt", data, P)
    assert parsed.encoding == encoding
    assert bool(parsed.warnings) is warned
    assert parsed.turns[0].paras == ["Zoë?"]
    assert parsed.turns[1].paras[0].startswith("£5")
    if warned:
        assert "line 1" in parsed.warnings[0] and "cp1252" in parsed.warnings[0]


BAD_FILE_CASES = [
    ("empty", "a.txt", b"", "empty", None),
    ("whitespace_only", "a.txt", b"  \n\n", "empty", None),
    ("binary", "a.txt", b"\x00\x01\x02PK\x00garbage", "binary", None),
    ("unknown_extension", "a.pdf", b"%PDF-1.4", "unknown_extension", ".pdf"),
    (
        "no_labels",
        "a.txt",
        b"Just some notes about the interview.\nNo speakers at all.\n",
        "no_speaker_labels",
        "no line starts with a label-like prefix",
    ),
    (
        "vtt_no_header",
        "a.vtt",
        b"00:00:01.000 --> 00:00:02.000\nhello\n",
        "malformed_vtt",
        "line 1",
    ),
    (
        "vtt_bad_timing",
        "a.vtt",
        b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v A>hi</v>\n\n"
        b"2\n00:00:0x.000 --> 00:00:03.000\n<v B>yo</v>\n",
        "malformed_vtt",
        "line 8",
    ),
    ("docx_not_a_zip", "a.docx", b"this is not a word file", "unreadable_docx", "re-save"),
    ("docx_empty", "a.docx", b"", "empty", None),
    (
        "srt_bad_block",
        "a.srt",
        b"1\n00:00:01,000 -> 00:00:02,000\nhello\n",
        "malformed_srt",
        "line",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "reason", "hint"), BAD_FILE_CASES, ids=[c[0] for c in BAD_FILE_CASES]
)
def test_when_bad_file_then_rejected_with_reason(case, name, data, reason, hint):
    with pytest.raises(Rejected) as err:
        parse_transcript(name, data, P)
    assert err.value.reason == reason
    if hint:
        assert hint in err.value.message


ROLE_CASES = [
    (
        "patterns",
        b"Q: Why?\nA: Because.\n",
        {},
        {"q": ("interviewer", "pattern"), "a": ("respondent", "pattern")},
    ),
    (
        "metadata_first_name",
        b"HELEN: Why?\nMARCUS: Because.\nHELEN: So?\nMARCUS: Yes.\n",
        {"Helen Marsh": "interviewer"},
        {"helen": ("interviewer", "metadata"), "marcus": ("respondent", "heuristic")},
    ),
    (
        "heuristic_questions",
        b"Marcus Adeyemi: Hello.\nHelen Marsh: Why is that?\n"
        b"Marcus Adeyemi: Because of the long list of reasons I gave.\nHelen Marsh: And then?\n",
        {},
        {
            "helen marsh": ("interviewer", "heuristic"),
            "marcus adeyemi": ("respondent", "heuristic"),
        },
    ),
    (
        "heuristic_other_small_share",
        b"Helen Marsh: Why?\nMarcus Adeyemi: "
        + b"word " * 200
        + b"\nPriya Shah: Sorry, wrong room.\n"
        b"Marcus Adeyemi: " + b"word " * 100 + b"\nPriya Shah: Bye.\n",
        {"Helen Marsh": "interviewer"},
        {
            "helen marsh": ("interviewer", "metadata"),
            "marcus adeyemi": ("respondent", "heuristic"),
            "priya shah": ("other", "heuristic"),
        },
    ),
    (
        "joint_interview_two_respondents",
        b"Interviewer: Why?\nRespondent: "
        + b"word " * 100
        + b"\nRespondent 2: "
        + b"word " * 80
        + b"\n",
        {},
        {
            "interviewer": ("interviewer", "pattern"),
            "respondent": ("respondent", "pattern"),
            "respondent 2": ("respondent", "pattern"),
        },
    ),
]


@pytest.mark.parametrize(
    ("case", "data", "names", "expected"), ROLE_CASES, ids=[c[0] for c in ROLE_CASES]
)
def test_when_speaker_evidence_then_role_and_rule_recorded(case, data, names, expected):
    parsed = parse_transcript("a.txt", data, P, known_names=names)
    assert assign_roles(parsed.turns, P, names) == expected


# ----------------------------------------------------------------------------- stage level


def _corpus(tmp_path: Path, files: dict[str, bytes], meta_rows: list[dict]) -> tuple[Path, Path]:
    tdir = tmp_path / "transcripts"
    tdir.mkdir()
    for name, data in files.items():
        (tdir / name).write_bytes(data)
    meta = tmp_path / "metadata.csv"
    pd.DataFrame(meta_rows).to_csv(meta, index=False)
    return tdir, meta


GOOD = b"Interviewer: What worked?\nRespondent: The networks.\n"


def test_when_corpus_ingested_then_contract_columns_and_order(tmp_path):
    tdir, meta = _corpus(
        tmp_path,
        {"a.txt": GOOD, "b.vtt": VTT_TEAMS.encode()},
        [
            {
                "interview_id": "B",
                "file": "b.vtt",
                "role": "DCS",
                "region": "London",
                "interviewer": "Helen Marsh",
            },
            {
                "interview_id": "A",
                "file": "a.txt",
                "role": "Lead member",
                "region": "South West",
                "interviewer": "",
            },
        ],
    )
    res = ingest(tdir, read_metadata(meta), P)
    assert list(res.turns.columns) == [
        "interview_id",
        "turn_index",
        "speaker_label",
        "speaker_role",
        "role_rule",
        "text",
        "n_words",
        "source_file",
        "source_unit",
        "source_start",
        "source_end",
        "start_s",
        "end_s",
    ]
    assert res.turns[
        ["interview_id", "turn_index", "speaker_role", "role_rule"]
    ].values.tolist() == [
        ["B", 0, "interviewer", "metadata"],
        ["B", 1, "respondent", "heuristic"],
        ["A", 0, "interviewer", "pattern"],
        ["A", 1, "respondent", "pattern"],
    ]
    b = res.turns[res.turns.interview_id == "B"]
    assert b.source_unit.tolist() == ["cue", "cue"]
    assert b.start_s.tolist() == [3.12, 9.8] and b.end_s.tolist() == [9.0, 16.0]
    assert res.metrics()["respondent_words"] == 2 + 9
    assert res.rejects.empty


STAGE_REJECT_CASES = [
    (
        "metadata_row_without_file",
        {"a.txt": GOOD},
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "missing.txt"}],
        [("missing.txt", "file_missing")],
    ),
    (
        "file_without_metadata_row",
        {"a.txt": GOOD, "extra.txt": GOOD},
        [{"interview_id": "A", "file": "a.txt"}],
        [("extra.txt", "no_metadata_row")],
    ),
    (
        "unknown_extension_in_folder",
        {"a.txt": GOOD, "notes.pdf": b"%PDF"},
        [{"interview_id": "A", "file": "a.txt"}],
        [("notes.pdf", "unknown_extension")],
    ),
    (
        "ignored_files_are_not_rejects",
        {"a.txt": GOOD, "README.md": b"# about", ".DS_Store": b"x"},
        [{"interview_id": "A", "file": "a.txt"}],
        [],
    ),
    (
        "empty_transcript",
        {"a.txt": GOOD, "b.txt": b""},
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "b.txt"}],
        [("b.txt", "empty")],
    ),
]


@pytest.mark.parametrize(
    ("case", "files", "rows", "expected"),
    STAGE_REJECT_CASES,
    ids=[c[0] for c in STAGE_REJECT_CASES],
)
def test_when_file_and_metadata_disagree_then_rejects_row(tmp_path, case, files, rows, expected):
    tdir, meta = _corpus(tmp_path, files, rows)
    res = ingest(tdir, read_metadata(meta), IngestParams(strict=False))
    assert sorted(zip(res.rejects.file, res.rejects.reason)) == sorted(expected)
    assert res.interviews.interview_id.tolist() == ["A"]


METADATA_ERROR_CASES = [
    (
        "duplicate_ids",
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "A", "file": "b.txt"}],
        "lines 2, 3: duplicate interview_id 'A'",
    ),
    (
        "duplicate_files",
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "a.txt"}],
        "lines 2, 3: duplicate file 'a.txt'",
    ),
    ("empty_id", [{"interview_id": "", "file": "a.txt"}], "line 2: interview_id is empty"),
    ("missing_column", [{"id": "A", "file": "a.txt"}], "missing column(s) interview_id"),
    (
        "bad_date",
        [{"interview_id": "A", "file": "a.txt", "interview_date": "12th March"}],
        "line 2: interview_date '12th March' is not a date",
    ),
]


@pytest.mark.parametrize(
    ("case", "rows", "message"), METADATA_ERROR_CASES, ids=[c[0] for c in METADATA_ERROR_CASES]
)
def test_when_metadata_invalid_then_error_names_file_and_line(tmp_path, case, rows, message):
    _, meta = _corpus(tmp_path, {"a.txt": GOOD, "b.txt": GOOD}, rows)
    with pytest.raises(QualevalError) as err:
        validate_metadata(read_metadata(meta), str(meta))
    assert message in str(err.value)
    assert str(meta) in str(err.value)


def test_when_metadata_not_csv_then_clear_error(tmp_path):
    meta = tmp_path / "metadata.csv"
    meta.write_bytes(b'interview_id,file\n"A,a.txt\n')
    with pytest.raises(QualevalError, match="cannot read the metadata sheet"):
        read_metadata(meta)


def _outputs(tmp_path: Path) -> dict[str, Path]:
    priv = tmp_path / "private"
    return {
        "turns": priv / "turns.parquet",
        "preamble": priv / "preamble.parquet",
        "interviews": priv / "interviews.parquet",
        "rejects": priv / "rejects.csv",
        "metrics": tmp_path / "outputs" / "ingest.json",
    }


def test_when_strict_and_a_file_is_rejected_then_run_stops_and_writes_nothing(tmp_path):
    tdir, meta = _corpus(
        tmp_path,
        {"a.txt": GOOD, "b.txt": b""},
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "b.txt"}],
    )
    params = tmp_path / "params.yaml"
    params.write_text("ingest:\n  strict: true\n")
    out = _outputs(tmp_path)
    with pytest.raises(QualevalError, match=r"(?s)b\.txt: .*empty.*strict"):
        run_stage(params, tdir, meta, **out)
    assert not any(p.exists() for p in out.values())
    assert not list((tmp_path / "private").glob("*")) if (tmp_path / "private").exists() else True


def test_when_every_file_rejected_then_error_not_empty_tables(tmp_path):
    tdir, meta = _corpus(
        tmp_path, {"a.txt": b"no labels here\n"}, [{"interview_id": "A", "file": "a.txt"}]
    )
    out = _outputs(tmp_path)
    params = tmp_path / "params.yaml"
    params.write_text("ingest:\n  strict: false\n")
    with pytest.raises(QualevalError, match=r"no transcript could be ingested.*no_speaker_labels"):
        run_stage(params, tdir, meta, **out)
    assert not any(p.exists() for p in out.values())


def test_when_stage_runs_then_all_tables_written_and_metrics_hold_no_text(tmp_path):
    tdir, meta = _corpus(
        tmp_path,
        {"a.txt": b"Intro line\n\n" + GOOD, "x.txt": GOOD},
        [{"interview_id": "A", "file": "a.txt", "interviewer": "Helen Marsh"}],
    )
    out = _outputs(tmp_path)
    run_stage(None, tdir, meta, **out)
    turns = pd.read_parquet(out["turns"])
    assert turns.text.tolist() == ["What worked?", "The networks."]
    assert pd.read_parquet(out["preamble"]).text.tolist() == ["Intro line"]
    assert pd.read_csv(out["rejects"]).reason.tolist() == ["no_metadata_row"]
    metrics = json.loads(out["metrics"].read_text())
    assert metrics["interviews"] == 1 and metrics["turns"] == 2 and metrics["rejected_files"] == 1
    assert "networks" not in out["metrics"].read_text()


def test_when_subfolders_then_relative_paths_used(tmp_path):
    tdir = tmp_path / "t"
    (tdir / "north").mkdir(parents=True)
    (tdir / "north" / "a.txt").write_bytes(GOOD)
    meta = pd.DataFrame([{"interview_id": "A", "file": "north/a.txt"}])
    res = ingest(tdir, meta, P)
    assert res.turns.source_file.unique().tolist() == ["north/a.txt"]


# ----------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_result(sample_dir):
    return ingest(sample_dir / "transcripts", read_metadata(sample_dir / "metadata.csv"), P)


def test_when_sample_ingested_then_nothing_rejected_and_every_format_present(sample_result):
    assert sample_result.rejects.empty, sample_result.rejects.to_dict("records")
    fmts = sample_result.interviews["format"].value_counts().to_dict()
    assert fmts["txt"] >= 24 and fmts["vtt"] >= 8 and fmts["docx"] >= 8
    assert len(sample_result.interviews) >= 40
    words = sample_result.interviews.n_words
    assert words.min() >= 800 and words.max() <= 2000
    assert sample_result.interviews.has_preamble.sum() >= 2


def test_when_sample_ingested_then_turn_indices_match_gold(sample_result, sample_dir):
    gold = pd.read_json(sample_dir / "gold" / "gold_codes.jsonl", lines=True)
    turns = sample_result.turns
    resp = turns[turns.speaker_role == "respondent"]
    for iid, g in gold.groupby("interview_id"):
        got = resp[resp.interview_id == iid]
        assert got.turn_index.tolist() == g.turn_index.tolist(), iid
        for start, text in zip(g.starts_with, got.text):
            assert " ".join(text.split()).startswith(start), (iid, start)
    assert gold.interview_id.nunique() >= 12


def test_when_sample_ingested_then_every_interview_has_both_roles(sample_result):
    roles = sample_result.turns.groupby("interview_id").speaker_role.agg(set)
    assert all({"interviewer", "respondent"} <= r for r in roles)


def test_when_metadata_is_xlsx_then_read_like_csv(tmp_path):
    path = tmp_path / "metadata.xlsx"
    pd.DataFrame([{"interview_id": "A", "file": "a.txt", "interview_date": "2013-03-01"}]).to_excel(
        path, index=False
    )
    meta = validate_metadata(read_metadata(path), str(path))
    assert meta.to_dict("records") == [
        {"interview_id": "A", "file": "a.txt", "interview_date": "2013-03-01"}
    ]


def test_when_vtt_has_note_style_and_multiline_cues_then_text_joined():
    data = (
        "WEBVTT\n\nNOTE exported from Teams\n\nSTYLE\n::cue { color: white }\n\n"
        "00:00:01.000 --> 00:00:03.000\n<v Helen Marsh>What worked\nfor you?\n\n"
        "00:00:03.500 --> 00:00:06.000 align:start\n<v Marcus Adeyemi>The networks\n\n"
        "00:00:06.500 --> 00:00:07.000\n<v Helen Marsh>Thanks.\n"
    ).encode()
    assert turns_of("a.vtt", data) == [
        ("Helen Marsh", "What worked for you?"),
        ("Marcus Adeyemi", "The networks"),
        ("Helen Marsh", "Thanks."),
    ]


def test_when_docx_label_is_its_own_bold_paragraph_or_plain_text_then_recognised():
    data = make_docx(
        [
            ("Interviewer", ""),
            (None, "What worked?"),
            (None, "Respondent: The networks."),
            (None, "Interviewer: Thanks."),
            (None, "Respondent: Pleasure."),
        ]
    )
    assert turns_of("a.docx", data) == [
        ("Interviewer", "What worked?"),
        ("Respondent", "The networks."),
        ("Interviewer", "Thanks."),
        ("Respondent", "Pleasure."),
    ]


def test_when_withdrawals_listed_then_ingest_drops_and_strikes_and_logs(tmp_path):
    tdir, meta = _corpus(
        tmp_path,
        {"a.txt": GOOD, "b.txt": GOOD},
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "b.txt"}],
    )
    sheet = tmp_path / "withdrawals.csv"
    sheet.write_text("interview_id,strike,reason\nA,,consent withdrawn\nB,networks,asked\n")
    params = tmp_path / "params.yaml"
    params.write_text(f"data:\n  withdrawals: {sheet}\n")
    out = _outputs(tmp_path) | {"withdrawals_log": tmp_path / "private" / "withdrawals_log.csv"}
    run_stage(params, tdir, meta, **out)
    turns = pd.read_parquet(out["turns"])
    assert set(turns.interview_id) == {"B"}
    assert turns.text.tolist() == ["What worked?", "The [withdrawn]."]
    assert set(pd.read_parquet(out["interviews"]).interview_id) == {"B"}
    log = pd.read_csv(out["withdrawals_log"])
    assert log.scope.tolist() == ["interview", "passage"] and log.passages_struck.tolist() == [0, 1]
    metrics = json.loads(out["metrics"].read_text())
    assert metrics["withdrawn_interviews"] == 1 and metrics["withdrawal_passages_struck"] == 1
    assert metrics["interviews"] == 1
    assert "consent" not in out["metrics"].read_text()
