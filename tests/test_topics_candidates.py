"""Topics: emergent topics as draft codebook entries that the codebook loader accepts."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pipeline.codebook import load_codebook, parse_codebook
from pipeline.params import TopicsParams
from pipeline.topics import candidates as K
from pipeline.topics.labels import phrase_label

EMERGENT = pd.DataFrame(
    {
        "topic_id": [4, 2],
        "label": ["travel costs, hotel", "data pack"],
        "keywords": ["", ""],
        "n_segments": [12, 30],
        "n_interviews": [5, 9],
        "top_code_id": [None, "challenge.time"],
        "top_code_share": [0.0, 0.1],
        "coded_share": [0.0, 0.1],
        "reason": ["no code on any of its 12 segments", "10% of its 30 segments carry a code"],
    }
)
QUOTES = pd.DataFrame(
    {
        "topic_id": [2, 2, 4],
        "rank": [2, 1, 1],
        "text": ["The data pack came late.", "We never  read the data pack.", "Hotels cost a lot."],
    }
)
WORDS = {2: ["data pack", "pack", "data", "late"], 4: ["travel costs", "hotel", "train"]}


def test_when_candidates_made_then_one_draft_per_emergent_topic_in_topic_order():
    out = K.candidate_codes(EMERGENT, QUOTES, WORDS, TopicsParams())
    assert [c["id"] for c in out] == ["candidate_02_data_pack", "candidate_04_travel_costs_hotel"]
    first = out[0]
    assert first["examples"] == ["We never read the data pack.", "The data pack came late."]
    assert first["keywords"] == WORDS[2]
    assert "30 segments in 9 interviews" in first["definition"]
    # the definition and include criteria name the label's phrases, not the raw keywords
    assert "talk about data pack (" in first["definition"]
    assert first["include"] == ["talk of data pack"]
    assert out[1]["include"] == ["talk of travel costs", "talk of hotel"]
    assert first["memo"].startswith("emergent topic 2:")


def test_when_candidates_pasted_into_the_codebook_then_the_loader_accepts_them(root):
    book = load_codebook(root / "codebook" / "codebook.yaml")
    drafts = yaml.safe_load(
        K.candidates_yaml(K.candidate_codes(EMERGENT, QUOTES, WORDS, TopicsParams()))
    )
    raw = book.model_dump(exclude_none=True)
    raw["codes"] = [*raw["codes"], *drafts["codes"]]
    merged = parse_codebook(raw, "codebook.yaml")
    assert {"candidate_02_data_pack", "candidate_04_travel_costs_hotel"} <= {
        c.id for c in merged.leaves()
    }


@pytest.mark.parametrize(
    ("label", "expected"),
    [("travel costs, hotel", "travel_costs_hotel"), ("2020 plans", "t_2020_plans"), ("", "t")],
)
def test_when_slugged_then_a_valid_code_id_part(label, expected):
    assert K.slug(label) == expected


@pytest.mark.parametrize(
    ("words", "sentence", "expected"),
    [
        # a phrase of the representative sentence comes first, longer phrases first
        (
            ["money", "feedback", "feedback letter"],
            "The feedback letter was late.",
            "feedback letter, money",
        ),
        # nothing in the sentence: keyword order
        (["money", "budget"], "It was fine.", "money, budget"),
    ],
)
def test_when_phrase_label_made_then_sentence_phrases_lead(words, sentence, expected):
    assert phrase_label(words, sentence, 2) == expected
