"""Anonymise stage: linking, consistency, allow-list, review decisions, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import anonymise as A
from pipeline.anonymise import detect, link
from pipeline.errors import QualevalError
from pipeline.evaluator_files.register import RegisterEntity
from pipeline.params import AnonymiseParams

# Fast recognisers only (no model, no large gazetteers) unless a test asks for more.
FAST = ["register", "speakers", "review", "email", "phone", "date", "titled_names"]


def turns_of(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(interview_id, speaker_label, speaker_role, text) rows -> a turns table."""
    data = []
    counters: dict[str, int] = {}
    for iv, label, role, text in rows:
        counters[iv] = counters.get(iv, -1) + 1
        data.append(
            {
                "interview_id": iv,
                "turn_index": counters[iv],
                "speaker_label": label,
                "speaker_role": role,
                "role_rule": "pattern" if label in ("Interviewer", "Respondent") else "metadata",
                "text": text,
                "n_words": len(text.split()),
                "source_file": f"{iv.lower()}_secret_name.txt",
                "start_s": None,
                "end_s": None,
            }
        )
    return pd.DataFrame(data)


def interviews_of(turns: pd.DataFrame) -> pd.DataFrame:
    ids = sorted(turns["interview_id"].unique())
    return pd.DataFrame(
        {
            "interview_id": ids,
            "role": ["Lead member"] * len(ids),
            "region": ["North West"] * len(ids),
            "interview_date": ["2013-05-01"] * len(ids),
            "interviewer": ["Gemma Lyle"] * len(ids),
            "file": ["x.txt"] * len(ids),
        }
    )


def run(rows, recognisers=FAST, **kwargs):
    turns = turns_of(rows)
    extra = kwargs.pop("params", {})
    params = AnonymiseParams(recognisers=recognisers, **extra)
    return A.anonymise(
        turns,
        interviews_of(turns),
        params,
        name_columns=["interviewer"],
        progress=False,
        **kwargs,
    )


def texts(result) -> list[str]:
    return result.turns["text"].tolist()


MARCUS = RegisterEntity(type="person", name="Marcus Adeyemi")


def test_when_name_variants_appear_then_they_share_one_pseudonym():
    result = run(
        [
            ("INT01", "Respondent", "respondent", "I rang Marcus Adeyemi the next day."),
            ("INT01", "Respondent", "respondent", "Marcus was helpful, and Mr Adeyemi agreed."),
        ],
        register=[MARCUS],
    )
    assert texts(result) == [
        "I rang [Person 1] the next day.",
        "[Person 1] was helpful, and [Person 1] agreed.",
    ]


def test_when_same_entity_in_two_interviews_then_same_pseudonym():
    result = run(
        [
            (
                "INT01",
                "Respondent",
                "respondent",
                "Email jo.bloggs@example.gov.uk or ask Mrs Bloggs.",
            ),
            ("INT02", "Respondent", "respondent", "Mrs Bloggs visited us too."),
        ]
    )
    assert texts(result) == ["Email [email] or ask [Person 1].", "[Person 1] visited us too."]


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ("Mark came back with ideas.", "[Person 1] came back with ideas."),
        ("Mark my words, it worked.", "Mark my words, it worked."),  # a function word follows
    ],
)
def test_when_common_word_name_starts_a_sentence_in_another_interview_then_run_evidence_decides(
    second, expected
):
    # the leak gate knows the run's names across interviews ("Mark" of Mark Ibbotson), so
    # the evidence that a sentence-initial "Mark" is that person is the run's, not the
    # interview's (a quoted turn, or a corpus of hundreds, separates the two)
    result = run(
        [
            ("INT01", "Respondent", "respondent", "Mark Ibbotson went to the review."),
            ("INT02", "Respondent", "respondent", second),
        ],
        recognisers=[*FAST, "first_names"],
    )
    assert texts(result) == ["[Person 1] went to the review.", expected]


def test_when_two_people_share_a_first_name_then_lone_first_name_is_not_linked_to_either():
    decisions = A.Decisions(add=(("Sam", "person"),))
    result = run(
        [
            (
                "INT01",
                "Respondent",
                "respondent",
                "Councillor Sam Hewitt and Councillor Sam Price.",
            ),
            ("INT02", "Respondent", "respondent", "Later Sam spoke."),
        ],
        decisions=decisions,
    )
    assert texts(result) == ["[Person 1] and [Person 2].", "Later [Person 3] spoke."]


def test_when_one_person_has_that_first_name_then_lone_first_name_is_linked():
    decisions = A.Decisions(add=(("Sam", "person"),))
    result = run(
        [
            ("INT01", "Respondent", "respondent", "Councillor Sam Hewitt chairs."),
            ("INT02", "Respondent", "respondent", "Later Sam spoke."),
        ],
        decisions=decisions,
    )
    assert texts(result) == ["[Person 1] chairs.", "Later [Person 1] spoke."]


def test_when_speaker_label_is_a_name_then_it_is_replaced_in_text_and_speaker_column():
    result = run(
        [
            ("INT01", "Gemma Lyle", "interviewer", "Hello, it's Gemma here."),
            ("INT01", "Dev Mistry", "respondent", "Hi Gemma, Dev Mistry speaking."),
        ]
    )
    assert texts(result) == ["Hello, it's [Person 1] here.", "Hi [Person 1], [Person 2] speaking."]
    assert result.turns["speaker"].tolist() == ["Interviewer", "Respondent"]
    assert result.key["speakers"] == [
        {"interview_id": "INT01", "label": "Dev Mistry", "pseudonym": "Respondent"},
        {"interview_id": "INT01", "label": "Gemma Lyle", "pseudonym": "Interviewer"},
    ]
    assert "speaker_label" not in result.turns.columns
    assert "source_file" not in result.turns.columns


def test_when_two_respondents_then_speakers_are_numbered():
    result = run(
        [
            ("INT01", "Interviewer", "interviewer", "Welcome both."),
            ("INT01", "Ann Smith", "respondent", "Thanks."),
            ("INT01", "Bob Jones", "respondent", "Thanks."),
            ("INT01", "Ann Smith", "respondent", "Yes."),
        ]
    )
    assert result.turns["speaker"].tolist() == [
        "Interviewer",
        "Respondent 1",
        "Respondent 2",
        "Respondent 1",
    ]


@pytest.mark.parametrize(
    ("allow", "expected"),
    [
        ([], "We told [Person 1] and Ofsted."),
        (["Mrs Bloggs"], "We told Mrs Bloggs and Ofsted."),
    ],
)
def test_when_term_is_allow_listed_then_it_is_kept(allow, expected):
    result = run(
        [("INT01", "Respondent", "respondent", "We told Mrs Bloggs and Ofsted.")], allow=allow
    )
    assert texts(result) == [expected]


def test_when_decisions_reject_add_and_link_then_next_run_applies_them():
    rows = [
        (
            "INT01",
            "Respondent",
            "respondent",
            "Mrs Bloggs runs Tresco youth club; Jo Bloggs agrees.",
        ),
        ("INT02", "Respondent", "respondent", "Jojo said Mr Amber was right."),
    ]
    decisions = A.parse_decisions(
        pd.DataFrame(
            [
                {"text": "Mr Amber", "entity_type": "person", "decision": "reject"},
                {"text": "Tresco", "entity_type": "place", "decision": "add"},
                {"text": "Jojo", "entity_type": "person", "decision": "add"},
                {
                    "text": "Jojo",
                    "entity_type": "person",
                    "decision": "link",
                    "link_to": "Jo Bloggs",
                },
            ]
        ),
        "decisions.csv",
    )
    result = run(
        rows, decisions=decisions, register=[RegisterEntity(type="person", name="Jo Bloggs")]
    )
    assert texts(result) == [
        "[Person 1] runs [Place 1] youth club; [Person 1] agrees.",
        "[Person 1] said Mr Amber was right.",
    ]


def test_when_register_fixes_a_pseudonym_then_it_is_used():
    entity = RegisterEntity(
        type="council", name="Rivertown Council", aliases=["Rivertown"], pseudonym="[Council X]"
    )
    result = run(
        [("INT01", "Respondent", "respondent", "Rivertown Council and Rivertown again.")],
        register=[entity],
    )
    assert texts(result) == ["[Council X] and [Council X] again."]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("redact", "We met on the [date] in Leeds."),
        ("coarsen", "We met on the March 2014 in Leeds."),
    ],
)
def test_when_dates_mode_set_then_dates_are_redacted_or_coarsened(mode, expected):
    result = run(
        [("INT01", "Respondent", "respondent", "We met on the 31st of March 2014 in Leeds.")],
        recognisers=["date"],
        params={"dates": mode},
    )
    assert texts(result) == [expected]


def test_when_name_detected_once_then_every_occurrence_is_replaced():
    result = run(
        [
            ("INT01", "Respondent", "respondent", "Councillor Stobbart chairs it."),
            ("INT01", "Respondent", "respondent", "Stobbart is tough but fair."),
            ("INT02", "Respondent", "respondent", "I know Stobbart too."),
        ]
    )
    assert "Stobbart" not in " ".join(texts(result))
    assert len({e["pseudonym"] for e in result.key["entities"]}) == 1


def test_when_run_twice_then_outputs_are_identical():
    rows = [
        ("INT02", "Respondent", "respondent", "Mrs Bloggs and Mr Smith on the 4th of May."),
        ("INT01", "Dev Mistry", "respondent", "Dev and Councillor Jean Moffatt, 01632 960418."),
    ]
    a, b = run(rows), run(rows)
    pd.testing.assert_frame_equal(a.turns, b.turns)
    pd.testing.assert_frame_equal(a.review, b.review)
    pd.testing.assert_frame_equal(a.mentions, b.mentions)
    assert json.dumps(a.key, sort_keys=True) == json.dumps(b.key, sort_keys=True)


def test_when_entities_numbered_then_order_follows_first_appearance():
    result = run(
        [
            ("INT02", "Respondent", "respondent", "Mrs Zed spoke."),
            ("INT01", "Respondent", "respondent", "Mrs Alpha spoke, then Mrs Zed."),
        ]
    )
    assert texts(result) == ["[Person 2] spoke.", "[Person 1] spoke, then [Person 2]."]


def test_when_review_table_built_then_it_lists_each_detection_with_context():
    result = run(
        [("INT01", "Respondent", "respondent", "Ask Mrs Bloggs about Ofsted.")], allow=["Ofsted"]
    )
    review = result.review
    assert list(review.columns) == list(A.REVIEW_COLUMNS)
    row = review[review["text"] == "Mrs Bloggs"].iloc[0]
    assert row["status"] == "replaced" and row["pseudonym"] == "[Person 1]"
    assert "«Mrs Bloggs»" in row["context"]
    assert row["recognisers"] == "titled_names"


def test_when_safe_interviews_built_then_names_and_exact_dates_are_dropped():
    turns = turns_of([("INT01", "Respondent", "respondent", "Hello.")])
    safe = A.safe_interviews(interviews_of(turns), ["role", "region"])
    assert list(safe.columns) == ["interview_id", "role", "region", "interview_month"]
    assert safe["interview_month"].tolist() == ["2013-05"]


def test_when_scored_against_gold_then_leaks_and_over_redaction_are_counted():
    original = turns_of(
        [("INT01", "Respondent", "respondent", "Ann Lee from Leeds told Ofsted. Ann Lee agreed.")]
    )
    anonymised = pd.DataFrame(
        {
            "interview_id": ["INT01"],
            "speaker": ["Respondent"],
            "text": ["[Person 1] from Leeds told [Organisation 1]. [Person 1] agreed."],
        }
    )
    gold = [{"interview_id": "INT01", "must_remove": ["Ann Lee", "Leeds"], "must_keep": ["Ofsted"]}]
    metrics, leaks = A.score_against_gold(original, anonymised, gold)
    assert metrics["must_remove_occurrences"] == 3
    assert metrics["must_remove_surviving"] == 1
    assert metrics["leak_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["over_redaction"] == 1.0
    assert leaks["text"].tolist() == ["Leeds"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"text": "X", "entity_type": "person", "decision": "maybe"}], "line 2: decision"),
        ([{"text": "X", "entity_type": "", "decision": "add"}], "line 2: entity_type"),
        ([{"text": "X", "entity_type": "person", "decision": "link", "link_to": ""}], "link_to"),
        ([{"text": "", "entity_type": "person", "decision": "add"}], "line 2: text"),
    ],
)
def test_when_decisions_are_malformed_then_error_names_line_and_field(rows, message):
    df = pd.DataFrame(rows)
    if "link_to" not in df.columns:
        df["link_to"] = ""
    with pytest.raises(QualevalError, match=message):
        A.parse_decisions(df, "decisions.csv")


def test_when_decisions_file_lacks_columns_then_error_says_which(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("text,decision\nX,reject\n", encoding="utf-8")
    with pytest.raises(QualevalError, match=r"missing column.*entity_type"):
        A.read_decisions(path)


@pytest.mark.parametrize(("content", "message"), [("", "empty file"), (None, "not found")])
def test_when_decisions_file_empty_or_missing_then_clear_error(tmp_path, content, message):
    path = tmp_path / "decisions.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(QualevalError, match=message):
        A.read_decisions(path)


def test_when_unknown_recogniser_in_params_then_error_names_position():
    from pipeline.recognisers.registry import check_names

    with pytest.raises(
        QualevalError, match=r"anonymise.recognisers\[1\]: unknown recogniser 'nre'"
    ):
        check_names(["register", "nre"])


def test_when_ner_model_path_missing_then_clear_error(tmp_path):
    from pipeline.recognisers.ner import load_pipeline

    with pytest.raises(QualevalError, match="no spaCy pipeline there"):
        load_pipeline(str(tmp_path / "nope"))


def test_when_untrusted_name_is_a_common_word_at_sentence_start_then_dropped():
    from pipeline.recognisers.base import Detection

    text = "Broadly positive. We broadly agree."
    det = Detection(0, 7, "person", "ner", 0.85, "Broadly")
    assert detect._common_word_at_sentence_start(text, det, detect.lowercase_words([text]))
    trusted = Detection(0, 7, "person", "register", 1.0, "Broadly")
    assert not detect._common_word_at_sentence_start(text, trusted, detect.lowercase_words([text]))


@pytest.mark.parametrize(
    ("vocabulary", "recogniser", "kept"),
    [
        (frozenset(), "ner", True),  # nothing says it is a common word
        (frozenset({"childcare", "barrier"}), "ner", False),  # the codebook's own word
        (frozenset({"childcare"}), "register", True),  # the evaluator named it: trusted
    ],
)
def test_when_codebook_vocabulary_given_then_untrusted_sentence_start_word_dropped(
    vocabulary, recogniser, kept
):
    from pipeline.recognisers.base import Detection

    # "Childcare" is capitalised mid-sentence too, so its capital is some evidence of a name
    text = "Childcare was the biggest barrier for us. We rang Childcare about it."
    det = Detection(0, 9, "place", recogniser, 0.85, "Childcare")
    out = detect.filter_detections([text], [[det]], set(), 0.5, vocabulary)
    assert (out.kept_by_row == [[det]]) is kept
    assert out.dropped.get("implausible", 0) == (0 if kept else 1)


@pytest.mark.parametrize(("min_score", "spread"), [(0.7, 0), (0.5, 1)])
def test_when_detection_less_confident_than_propagate_min_score_then_not_spread(min_score, spread):
    from pipeline.recognisers.base import Detection

    texts_ = ["Ask Rowan about it.", "Rowan agreed."]
    det = Detection(4, 9, "person", "ner", 0.6, "Rowan")
    chosen = [[det], []]
    added = link.propagate_lone_names(
        texts_, ["INT01", "INT02"], chosen, [link.Mention(0, det)], set(), [[], []], min_score
    )
    assert len(added) == spread


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Demand rose sharply in the winter.", False),  # capitalised only where all words are
        ("Demand rose sharply. We rang Demand again.", True),  # capitalised mid-sentence too
        ("Priya rose to the challenge.", True),  # a listed given name
    ],
)
def test_when_ner_word_is_only_ever_capitalised_at_sentence_start_then_dropped(text, kept):
    from pipeline.recognisers.base import Detection

    word = text.split()[0]
    det = Detection(0, len(word), "place", "ner", 0.85, word)
    out = detect.filter_detections([text], [[det]], set(), 0.5)
    assert (out.kept_by_row == [[det]]) is kept


LEGAL_ALLOW = Path(__file__).parents[1] / "anonymisation" / "allow_list_legal.txt"


@pytest.mark.parametrize(
    ("text", "kept", "replaced"),
    [
        (
            "The case originated in an application against the Republic of Turkey.",
            "Republic of Turkey",
            None,
        ),
        ("He was later deported to Turkey.", None, "Turkey"),
        (
            "The United Kingdom Government were represented by their Agent.",
            "United Kingdom Government",
            None,
        ),
        ("It was assigned to the Fourth Section of the Court.", "Fourth Section", None),
        # an allowed body stays allowed in the possessive
        ("It quashed the District Court’s judgment.", "District Court’s", None),
        ("It quashed the Ankara District Court’s judgment.", None, "Ankara District Court"),
    ],
)
def test_when_legal_allow_list_applies_then_the_respondent_state_stays_and_places_go(
    text, kept, replaced
):
    from pipeline.evaluator_files.allow_list import read_allow_list

    result = run(
        [("X01", "Respondent", "respondent", text)],
        recognisers=["countries", "institutions"],
        allow=read_allow_list(LEGAL_ALLOW),
    )
    out = texts(result)[0]
    if kept:
        assert kept in out
    if replaced:
        assert replaced not in out


# --- what NER reads -----------------------------------------------------------------------

_LONG = (
    "After the review in the spring the team met every week and in the end Priya said "
    "that the new plan had worked much better than the old one for everybody concerned."
)


@pytest.mark.parametrize(
    ("text", "margin", "known", "expected"),
    [
        # one reason: `margin` words either side of it, within its sentence
        (_LONG, 2, [], ["the end Priya said that"]),
        # two reasons further apart than two margins: two windows
        (
            "Olu went home early on that very cold and wet day before Ravi came.",
            1,
            [],
            ["Olu went", "before Ravi came."],
        ),
        # windows that touch are merged
        ("Olu and then Ravi came.", 1, [], ["Olu and then Ravi came."]),
        # a capitalised word another recogniser explained is no reason
        ("We then spoke to Priya at length about it.", 3, [(17, 22)], []),
        # a sentence-initial word the corpus writes in lower case is no reason
        ("Subsequently the team met again.", 3, [], []),
        # margin 0 is not a mode: the reason alone
        ("We then spoke to Priya at length.", 0, [], ["Priya"]),
    ],
)
def test_when_ner_windows_read_then_only_words_near_unexplained_capitals_go_to_ner(
    text, margin, known, expected
):
    words = detect.CorpusWords.of([text, "it came subsequently"])
    dets = [detect.Detection(s, e, "person", "register", 1.0, text[s:e]) for s, e in known]
    windows = detect.candidate_windows(text, dets, set(), words, margin)
    assert [piece for _, piece in windows] == expected
    assert all(text[start : start + len(piece)] == piece for start, piece in windows)


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("Subsequently, they met.", 0, 12, True),  # common word at a sentence start
        ("They met. Broadly, fine.", 10, 17, True),
        ("They met Broadly there.", 9, 16, False),  # inside a sentence: could be a name
        ("Priya rang.", 0, 5, False),  # a given name, never written in lower case
        ("Zorblax went home.", 0, 7, True),  # only ever capitalised at a sentence start
        ("Zorblax went home. We saw Zorblax.", 0, 7, False),  # capitalised inside too
    ],
)
def test_when_word_is_one_the_filter_always_drops_then_no_name_at_says_so(
    text, start, end, expected
):
    words = detect.CorpusWords.of([text, "they did it subsequently and broadly"])
    assert detect.no_name_at(text, start, end, words) is expected
