"""pipeline.anonymise.residual_review: what the recognisers missed reaches the review file."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import anonymise as A
from pipeline.anonymise.detect import allow_index_of
from pipeline.anonymise.residual_review import residual_metrics, residual_rows, residual_scan
from pipeline.params import AnonymiseParams

FAST = ["register", "speakers", "review", "email", "phone", "date", "titled_names"]


@pytest.mark.parametrize(
    ("text", "allow", "ordinary", "expected"),
    [
        # a capitalised name nobody found, mid-sentence
        ("We drove over to see the team in Skem last week.", [], [], [("residual_name", "Skem")]),
        # an email left in the text fails the gate: listed as a risk
        (
            "Write to jo.bloggs@example.org about it.",
            [],
            [],
            [("residual_risk", "jo.bloggs@example.org")],
        ),
        # placeholders are the anonymiser's own
        ("We met [Person 3] at [Council A] in the spring.", [], [], []),
        # an allow-listed phrase is not a name
        ("It went to the Regional Schools Board for sign-off.", ["Regional Schools Board"], [], []),
        # a word the corpus also writes in lower case is an ordinary word here
        ("It was a Peer Challenge in all but name.", [], ["peer", "challenge"], []),
    ],
)
def test_when_anonymised_text_scanned_then_what_nobody_listed_is_listed(
    text, allow, ordinary, expected
):
    index = allow_index_of({a.lower() for a in allow})
    scan = residual_scan([text], ["IV1"], index, frozenset(ordinary))
    rows = residual_rows(scan, [text], ["IV1"], 20)
    assert [(r["status"], r["text"]) for r in rows] == expected
    for r in rows:
        assert r["interviews"] == "IV1" and "«" + r["text"] + "»" in r["context"]
        assert r["recognisers"] == "residual_scan"


def test_when_two_interviews_share_a_name_then_it_is_counted_in_each():
    texts = ["We saw Skem.", "And then Skem again, the council said."]
    scan = residual_scan(texts, ["IV1", "IV2"], allow_index_of(set()), frozenset())
    assert residual_metrics(scan) == {
        "identifiers": 0,
        "identifiers_by_kind": {},
        "unknown_names": 2,
        "interviews_with_findings": 2,
    }


def test_when_stage_core_runs_then_review_lists_residual_rows_and_stats_count_them():
    turns = pd.DataFrame(
        {
            "interview_id": ["IV1", "IV1"],
            "turn_index": [0, 1],
            "speaker_label": ["Interviewer", "Respondent"],
            "speaker_role": ["interviewer", "respondent"],
            "role_rule": ["pattern", "pattern"],
            "text": ["Where was it?", "It was over in Skem, near the old depot."],
            "n_words": [3, 8],
            "source_file": ["iv1.txt", "iv1.txt"],
            "start_s": [None, None],
            "end_s": [None, None],
        }
    )
    interviews = pd.DataFrame({"interview_id": ["IV1"], "source_file": ["iv1.txt"]})
    res = A.anonymise(turns, interviews, AnonymiseParams(recognisers=FAST), progress=False)
    residual = res.review[res.review["status"] == "residual_name"]
    assert residual["text"].tolist() == ["Skem"]
    assert res.stats["residual"]["unknown_names"] == 1
    assert list(res.review.columns) == list(A.tables.REVIEW_COLUMNS)


@pytest.mark.parametrize(
    ("codebook_phrases", "expected"),
    [
        # a name only a codebook example carries is still unknown: examples quote transcripts
        (frozenset(), ["Skem"]),
        # the codebook's own term ("Skem" in a label) is the evaluator's vocabulary
        (frozenset({"skem"}), []),
    ],
)
def test_when_codebook_names_a_term_then_only_its_own_terms_are_ordinary(
    codebook_phrases, expected
):
    turns = pd.DataFrame(
        {
            "interview_id": ["IV1"],
            "turn_index": [0],
            "speaker_label": ["Respondent"],
            "speaker_role": ["respondent"],
            "role_rule": ["pattern"],
            "text": ["It was over in Skem, near the old depot."],
            "n_words": [9],
            "source_file": ["iv1.txt"],
            "start_s": [None],
            "end_s": [None],
        }
    )
    interviews = pd.DataFrame({"interview_id": ["IV1"], "source_file": ["iv1.txt"]})
    res = A.anonymise(
        turns,
        interviews,
        AnonymiseParams(recognisers=FAST),
        progress=False,
        vocabulary=frozenset({"skem"}),  # every codebook word, examples included
        codebook_phrases=codebook_phrases,
    )
    residual = res.review[res.review["status"] == "residual_name"]
    assert residual["text"].tolist() == expected
