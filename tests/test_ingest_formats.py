"""The formats real tools export: Otter.ai .txt, Teams .docx, Word tables, Zoom/Rev labels.

Also generic ``Speaker N`` roles, metadata ``file`` path conventions and the advice for a
file no reader can split. Every fixture is built here (python-docx for Word files).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import make_docx

from pipeline.ingest import Rejected, ingest, parse_transcript, reader_for
from pipeline.ingest.labels import is_block_layout, match_block_header, match_label, name_part
from pipeline.ingest.readers import (
    DocxReader,
    OtterReader,
    PlainTextReader,
    TeamsDocxReader,
)
from pipeline.ingest.readers.word_tables import table_columns
from pipeline.ingest.roles import assign_roles
from pipeline.ingest.units import Line
from pipeline.params import IngestParams

P = IngestParams()

OTTER = b"""Family hub interview - Oct 8, 2024

Speaker 1  0:02
Thanks for making the time. Shall we start?

Speaker 2  0:17
Yeah, that's fine.

Speaker 1  0:23
Could you tell me about your role?

Speaker 2  0:32
I run the hub.

Speaker 2  1:05
After a pause: and the two spoke sites.

Speaker 1  1:12
How do families hear about it?

Speaker 2  1:20
Word of mouth, mostly
and the health visitors.
"""


def _texts(parsed) -> list[tuple[str, str]]:
    return [(t.label, " ".join(t.paras)) for t in parsed.turns]


def _teams_docx(blocks: list[tuple[str, str, str]], header: bool = True) -> bytes:
    paras: list[tuple[str | None, str]] = []
    if header:
        paras += [
            (None, "Interview-20241022_130312-Meeting Recording"),
            (None, "October 22, 2024, 1:03PM"),
            (None, "5m 52s"),
            (None, "Rachel Okafor started transcription"),
        ]
    for name, time, text in blocks:
        paras += [(None, f"{name}   {time}"), (None, text)]
    return make_docx(paras)


def _table_docx(rows: list[list[str]], title: str = "Interview notes") -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph(title)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- Otter.ai .txt ------------------------------------------------------------------------


def test_when_otter_export_parsed_then_blocks_become_turns_and_same_speaker_blocks_merge():
    parsed = parse_transcript("x.txt", OTTER, P)
    assert parsed.fmt == "txt" and [ln.text for ln in parsed.preamble] == [
        "Family hub interview - Oct 8, 2024"
    ]
    assert _texts(parsed) == [
        ("Speaker 1", "Thanks for making the time. Shall we start?"),
        ("Speaker 2", "Yeah, that's fine."),
        ("Speaker 1", "Could you tell me about your role?"),
        ("Speaker 2", "I run the hub. After a pause: and the two spoke sites."),
        ("Speaker 1", "How do families hear about it?"),
        ("Speaker 2", "Word of mouth, mostly and the health visitors."),
    ]
    assert [t.paras for t in parsed.turns][3] == [
        "I run the hub. After a pause: and the two spoke sites."
    ]
    assert [t.start for t in parsed.turns] == [2, 17, 23, 32, 72, 80]


OTTER_HEADER_CASES = [
    ("m:ss", "Speaker 1  0:03", ("Speaker 1", 3.0)),
    ("h:mm:ss", "Hannah Greaves  1:02:03", ("Hannah Greaves", 3723.0)),
    ("tab", "Amrit Sandhu\t12:40", ("Amrit Sandhu", 760.0)),
    ("bracketed_org", "Rebecca Holt (Little Steps CIC)  0:09", ("Rebecca Holt", 9.0)),
    ("words_after_time", "Speaker 1  0:03 hello", None),
    ("sentence_ending_in_time", "we met at the hub at ten and left by 11:30", None),
    ("title_line", "Family hub manager interview - Oct 8, 2024", None),
    ("colon_label", "Interviewer: 0:03", None),
]


@pytest.mark.parametrize(
    ("case", "text", "expected"), OTTER_HEADER_CASES, ids=[c[0] for c in OTTER_HEADER_CASES]
)
def test_when_line_checked_then_block_header_found_only_for_label_and_time(case, text, expected):
    assert match_block_header(text) == expected


DETECT_CASES = [
    ("otter", OTTER, OtterReader),
    ("colon_labels", b"Interviewer: Hi?\nRespondent: Hello.\nInterviewer: Why?\n", PlainTextReader),
    (
        "colon_labels_with_one_stray_header",
        b"Interviewer: Hi?\nRespondent: Hello.\nNotes  10:30\nInterviewer: Why?\n",
        PlainTextReader,
    ),
    ("single_header", b"Speaker 1  0:03\nHello there.\n", PlainTextReader),
    ("undecodable_is_left_to_generic", b"\x00\x01binary", PlainTextReader),
]


@pytest.mark.parametrize(("case", "data", "reader"), DETECT_CASES, ids=[c[0] for c in DETECT_CASES])
def test_when_txt_content_read_then_layout_detected_from_content_not_name(case, data, reader):
    assert type(reader_for(".txt", data, P)) is reader


def test_when_otter_utterance_starts_like_a_label_then_it_stays_text():
    data = (
        b"Speaker 1  0:01\nHonestly: why?\n\nSpeaker 2  0:05\nHonestly: fine.\n\n"
        b"Speaker 1  0:09\nGood.\n"
    )
    parsed = parse_transcript("x.txt", data, P)
    assert _texts(parsed) == [
        ("Speaker 1", "Honestly: why?"),
        ("Speaker 2", "Honestly: fine."),
        ("Speaker 1", "Good."),
    ]


# --- Teams .docx ----------------------------------------------------------------------------

TEAMS_CASES = [
    ("h:mm:ss", ["0:00:02", "0:00:06", "0:00:15", "0:00:24"], [2, 6, 15]),
    ("m:ss", ["0:02", "0:06", "0:15", "0:24"], [2, 6, 15]),
]


@pytest.mark.parametrize(("case", "times", "starts"), TEAMS_CASES, ids=[c[0] for c in TEAMS_CASES])
def test_when_teams_docx_parsed_then_header_is_preamble_and_pairs_are_turns(case, times, starts):
    data = _teams_docx(
        [
            ("Rachel Okafor", times[0], "Hi Marcus, can you hear me?"),
            ("Marcus Bellingham", times[1], "Yes. Can you hear me?"),
            ("Rachel Okafor", times[2], "Perfect. Shall we start?"),
            ("Rachel Okafor", times[3], "Tell me about your role."),
        ]
    )
    assert type(reader_for(".docx", data, P)) is TeamsDocxReader
    parsed = parse_transcript("x.docx", data, P)
    assert (parsed.fmt, parsed.unit) == ("docx", "paragraph")
    assert len(parsed.preamble) == 4
    assert _texts(parsed) == [
        ("Rachel Okafor", "Hi Marcus, can you hear me?"),
        ("Marcus Bellingham", "Yes. Can you hear me?"),
        ("Rachel Okafor", "Perfect. Shall we start? Tell me about your role."),
    ]
    assert [t.start for t in parsed.turns] == starts
    assert [(t.first, t.last) for t in parsed.turns] == [(5, 6), (7, 8), (9, 12)]


def test_when_docx_has_bold_labels_then_generic_reader_reads_it():
    data = make_docx([("Interviewer", "How was it?"), ("Participant", "Fine.")])
    assert type(reader_for(".docx", data, P)) is DocxReader


# --- Word tables ----------------------------------------------------------------------------

TABLE_CASES = [
    (
        "header_speaker_time_text",
        [
            ["Speaker", "Time", "Text"],
            ["Interviewer", "00:01", "How did you hear about it?"],
            ["Jo Ray", "00:09", "From the health visitor."],
            ["", "", "And a leaflet."],
            ["Interviewer", "00:20", "Thanks."],
        ],
        [
            ("Interviewer", "How did you hear about it?", 1.0),
            ("Jo Ray", "From the health visitor. And a leaflet.", 9.0),
            ("Interviewer", "Thanks.", 20.0),
        ],
    ),
    (
        "header_name_transcript_no_time",
        [
            ["Name", "Transcript"],
            ["Interviewer", "Any concerns?"],
            ["Interviewer", "About the hub?"],
            ["Respondent", "None at all."],
        ],
        [
            ("Interviewer", "Any concerns? About the hub?", None),
            ("Respondent", "None at all.", None),
        ],
    ),
    (
        "no_header_inferred_from_cells",
        [
            ["0:01", "Interviewer", "What works well at the hub these days?"],
            ["0:07", "Respondent", "The drop-in sessions, mostly, and the staff."],
            ["0:15", "Interviewer", "And what does not work so well?"],
        ],
        [
            ("Interviewer", "What works well at the hub these days?", 1.0),
            ("Respondent", "The drop-in sessions, mostly, and the staff.", 7.0),
            ("Interviewer", "And what does not work so well?", 15.0),
        ],
    ),
]


@pytest.mark.parametrize(("case", "rows", "expected"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_when_word_table_has_speaker_and_text_columns_then_rows_are_turns(case, rows, expected):
    parsed = parse_transcript("x.docx", _table_docx(rows), P)
    assert [ln.text for ln in parsed.preamble] == ["Interview notes"]
    assert [(t.label, " ".join(t.paras), t.start) for t in parsed.turns] == expected


NOT_TRANSCRIPT_TABLES = [
    ("form", [["Site", "Oakfield"], ["Date", "3 May"]]),
    ("one_column", [["Speaker"], ["Interviewer"]]),
    ("all_distinct_short_cells", [["Alpha", "long text cell one"], ["Beta", "long text cell two"]]),
]


@pytest.mark.parametrize(
    ("case", "rows"), NOT_TRANSCRIPT_TABLES, ids=[c[0] for c in NOT_TRANSCRIPT_TABLES]
)
def test_when_table_is_not_a_transcript_then_it_is_not_read(case, rows):
    assert table_columns(rows) is None


# --- Zoom / Rev labels, bracketed organisation -----------------------------------------------

LABEL_CASES = [
    ("rev_timestamp", "Speaker 1 (00:00:03): Hello there", ("Speaker 1", "Hello there", 3.0)),
    (
        "bracketed_org",
        "Rebecca Holt (Little Steps CIC): We run the dads group",
        ("Rebecca Holt", "We run the dads group", None),
    ),
    ("bracketed_role", "Jo Ray [Facilitator]: Welcome", ("Jo Ray", "Welcome", None)),
    (
        "org_and_timestamp",
        "Rebecca Holt (Little Steps CIC) (00:01:02): Yes",
        ("Rebecca Holt", "Yes", 62.0),
    ),
    ("plain", "Interviewer: Why?", ("Interviewer", "Why?", None)),
]


@pytest.mark.parametrize(("case", "text", "expected"), LABEL_CASES, ids=[c[0] for c in LABEL_CASES])
def test_when_label_has_timestamp_or_bracketed_part_then_label_is_the_name(case, text, expected):
    assert match_label(Line(1, text)) == expected


NAME_PART_CASES = [
    ("org", "Rebecca Holt (Little Steps CIC)", "Rebecca Holt"),
    ("guest", "Jo Ray (Guest)", "Jo Ray"),
    ("plain", "Jo Ray", "Jo Ray"),
    ("only_brackets", "(Guest)", "(Guest)"),
]


@pytest.mark.parametrize(
    ("case", "label", "name"), NAME_PART_CASES, ids=[c[0] for c in NAME_PART_CASES]
)
def test_when_markup_label_has_bracketed_part_then_name_part_drops_it(case, label, name):
    assert name_part(label) == name


ZOOM_VTT = b"""WEBVTT

1
00:00:03.371 --> 00:00:07.406
Tom Pennington-Lowe: Okay, that's the recording going. Hi Rebecca.

2
00:00:07.406 --> 00:00:09.974
Tom Pennington-Lowe: Is it Rebecca, or do you prefer Bex?

3
00:00:10.719 --> 00:00:14.838
Rebecca Holt (Little Steps CIC): Bex is fine. I run the

4
00:00:14.838 --> 00:00:18.000
Rebecca Holt (Little Steps CIC): dads group on Saturdays.

5
00:00:18.100 --> 00:00:20.000
<v Tom Pennington-Lowe (Guest)>Thanks. How did it start?</v>
"""


def test_when_zoom_vtt_labels_carry_an_organisation_then_it_is_never_label_or_text():
    parsed = parse_transcript("x.vtt", ZOOM_VTT, P)
    assert _texts(parsed) == [
        (
            "Tom Pennington-Lowe",
            "Okay, that's the recording going. Hi Rebecca. Is it Rebecca, or do you prefer Bex?",
        ),
        ("Rebecca Holt", "Bex is fine. I run the dads group on Saturdays."),
        ("Tom Pennington-Lowe", "Thanks. How did it start?"),
    ]
    assert all("Little Steps" not in p for t in parsed.turns for p in t.paras)


# --- generic Speaker N roles -----------------------------------------------------------------

ROLE_CASES = [
    ("speaker_1_asks", OTTER, {}, {"speaker 1": "interviewer", "speaker 2": "respondent"}),
    (
        "speaker_2_asks",
        b"Speaker 1  0:01\nHello, I'm Jo.\n\nSpeaker 2  0:04\nHi Jo, how are you?\n\n"
        b"Speaker 1  0:08\nFine, thanks.\n\nSpeaker 2  0:12\nWhat do you do?\n",
        {},
        {"speaker 1": "respondent", "speaker 2": "interviewer"},
    ),
    (
        "named_interviewer_from_metadata",
        b"Hannah Greaves  0:01\nHow did you find it?\n\nSpeaker 2  0:04\nGood.\n",
        {"Hannah Greaves": "interviewer"},
        {"hannah greaves": "interviewer", "speaker 2": "respondent"},
    ),
]


@pytest.mark.parametrize(
    ("case", "data", "names", "roles"), ROLE_CASES, ids=[c[0] for c in ROLE_CASES]
)
def test_when_labels_are_generic_speaker_n_then_heuristic_gives_roles(case, data, names, roles):
    parsed = parse_transcript("x.txt", data, P, known_names=names)
    got = assign_roles(parsed.turns, P, names)
    assert {k: role for k, (role, _) in got.items()} == roles
    assert all(rule in {"heuristic", "metadata"} for _, rule in got.values())


# --- metadata file paths ---------------------------------------------------------------------

GOOD = b"Interviewer: Why?\nRespondent: Because.\nInterviewer: Thanks?\n"
PATH_CASES = [
    ("relative_to_transcripts", "a.txt", ("a.txt", None)),
    ("relative_to_transcripts_subfolder", "sub/b.txt", ("sub/b.txt", None)),
    ("relative_to_metadata_file", "transcripts/a.txt", ("a.txt", None)),
    ("relative_to_metadata_file_subfolder", "transcripts/sub/b.txt", ("sub/b.txt", None)),
    ("bare_name_one_match", "b.txt", ("sub/b.txt", None)),
    ("bare_name_ambiguous", "dup.txt", ("dup.txt", "ambiguous_file")),
    ("missing", "nope.txt", ("nope.txt", "file_missing")),
    ("wrong_folder", "old/b.txt", ("old/b.txt", "file_missing")),
]


@pytest.fixture
def project(tmp_path):
    tx = tmp_path / "transcripts"
    for rel in ("a.txt", "sub/b.txt", "x/dup.txt", "y/dup.txt"):
        (tx / rel).parent.mkdir(parents=True, exist_ok=True)
        (tx / rel).write_bytes(GOOD)
    return tmp_path


@pytest.mark.parametrize(("case", "value", "expected"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_when_metadata_file_value_given_then_resolved_by_path_conventions(
    project, case, value, expected
):
    meta = pd.DataFrame([{"interview_id": "A", "file": value}])
    params = IngestParams(strict=False)
    rel, reason = expected
    if reason is None:
        res = ingest(project / "transcripts", meta, params, metadata_dir=project)
        assert res.turns["source_file"].unique().tolist() == [rel]
        return
    res_rejects = _rejects_of(project, meta, params)
    row = res_rejects[res_rejects["interview_id"] == "A"].iloc[0]
    assert (row["file"], row["reason"]) == (rel, reason)
    if reason == "ambiguous_file":
        assert "x/dup.txt" in row["message"] and "y/dup.txt" in row["message"]
    if case == "wrong_folder":
        assert "sub/b.txt" in row["message"]


def _rejects_of(project, meta, params) -> pd.DataFrame:
    from pipeline.ingest import discover

    _, rejects = discover(project / "transcripts", meta, params, project)
    return pd.DataFrame(rejects)


def test_when_two_rows_resolve_to_one_file_then_second_is_rejected(project):
    meta = pd.DataFrame(
        [{"interview_id": "A", "file": "a.txt"}, {"interview_id": "B", "file": "transcripts/a.txt"}]
    )
    rejects = _rejects_of(project, meta, IngestParams())
    assert rejects[rejects.interview_id == "B"].reason.tolist() == ["duplicate_file"]


# --- advice that fits the cause ----------------------------------------------------------------

ADVICE_CASES = [
    (
        "lowercase_labels",
        "a.txt",
        b"int: we talked about money\nresp: it was tight that year\n",
        ["Otter.ai", "'Name: text' labels", "'int:'", "'resp:'", "ingest.speaker_patterns"],
        ["money", "tight"],
    ),
    (
        "no_label_at_all",
        "a.txt",
        b"Just some notes about the interview.\nNo speakers at all.\n",
        ["Otter.ai", "no line starts with a label-like prefix"],
        ["notes about", "speaker_patterns"],
    ),
    (
        "docx_without_labels",
        "a.docx",
        make_docx([(None, "A report about the hub and its many services.")]),
        ["Teams transcript", "Word tables", "no line starts with a label-like prefix"],
        ["report about"],
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "data", "present", "absent"), ADVICE_CASES, ids=[c[0] for c in ADVICE_CASES]
)
def test_when_no_reader_finds_turns_then_advice_names_layouts_and_label_shapes_only(
    case, name, data, present, absent
):
    with pytest.raises(Rejected) as err:
        parse_transcript(name, data, P)
    assert err.value.reason == "no_speaker_labels"
    for text in present:
        assert text in err.value.message
    for text in absent:
        assert text not in err.value.message


def test_when_layout_counted_then_block_layout_needs_most_label_lines():
    assert is_block_layout(["A B  0:01", "x", "C D  0:05", "y"])
    assert not is_block_layout(["A B  0:01", "Interviewer: x", "Respondent: y", "Interviewer: z"])


@pytest.mark.parametrize(
    ("label", "numbered"),
    [
        ("Speaker 3", True),
        ("participant2", True),
        ("Respondent 1", True),
        ("Sam Rivers", False),
        ("Speaker", False),
        ("Guest 12", True),
    ],
)
def test_when_label_checked_then_only_numbered_tool_labels_are_generic(label, numbered):
    from pipeline.ingest.labels import is_numbered_label

    assert is_numbered_label(label) is numbered
