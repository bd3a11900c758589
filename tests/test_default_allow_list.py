"""The built-in allow-list: always applied, extended by the user's list, overridden by a review.

Both the anonymise stage and the leak gate take their allow-list from
:func:`pipeline.evaluator_files.allow_list.allow_terms`, so they agree on what is allowed.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline import verify as V
from pipeline.anonymise import anonymise
from pipeline.errors import QualevalError
from pipeline.evaluator_files.allow_list import (
    DEFAULT_ALLOW_LIST,
    allow_terms,
    default_allow_list,
)
from pipeline.evaluator_files.decisions import Decisions
from pipeline.keyfile import dumps_key
from pipeline.params import load_params
from pipeline.recognisers.base import normalise_phrase

ADD_OFSTED = Decisions(add=(("Ofsted", "organisation"),))
REJECT_OAKFIELD = Decisions(reject=frozenset({"oakfield"}))


def _keys(terms):
    return {normalise_phrase(t) for t in terms}


@pytest.mark.parametrize(
    "term",
    [
        "DfE",
        "DHSC",
        "Ofsted",
        "NHS",
        "ICB",
        "Family Hubs",
        "Start for Life",
        "Solihull Approach",
        "East Midlands",
        "North West",
        "London",
        "Wales",
        "health visitor",
        "Children's Improvement Adviser",
        "Teams",
        "WhatsApp",
        "Excel",
        "SystmOne",
    ],
)
def test_when_no_user_list_then_default_terms_are_allowed(term):
    assert normalise_phrase(term) in _keys(allow_terms(None))


@pytest.mark.parametrize(
    ("user_terms", "extra", "decisions", "allowed", "not_allowed"),
    [
        # the user's file adds to the defaults
        (["Oakfield Partnership"], [], None, ["Oakfield Partnership", "Ofsted"], []),
        # anonymise.allow adds too
        ([], ["Little Steps"], None, ["Little Steps", "London"], []),
        # a review rejection adds its text
        ([], [], REJECT_OAKFIELD, ["Oakfield", "DfE"], []),
        # a review addition overrides the defaults
        ([], [], ADD_OFSTED, ["DfE"], ["Ofsted"]),
        # ... and the user's own list
        (["Ofsted"], [], ADD_OFSTED, ["NHS"], ["Ofsted"]),
    ],
)
def test_when_lists_and_decisions_combine_then_allowed_terms_follow_precedence(
    tmp_path, user_terms, extra, decisions, allowed, not_allowed
):
    path = None
    if user_terms:
        path = tmp_path / "allow.txt"
        path.write_text("# mine\n" + "\n".join(user_terms) + "\n", encoding="utf-8")
    keys = _keys(allow_terms(path, extra, decisions))
    assert all(normalise_phrase(t) in keys for t in allowed)
    assert not any(normalise_phrase(t) in keys for t in not_allowed)
    assert _keys(default_allow_list()) - {normalise_phrase(t) for t in not_allowed} <= keys


@pytest.mark.parametrize(
    ("defaults", "london_allowed"),
    [(True, True), (False, False)],  # false: a legal profile, where a country identifies
)
def test_when_defaults_switched_off_then_only_the_users_terms_apply(defaults, london_allowed):
    keys = _keys(allow_terms(None, ["Court"], None, defaults))
    assert ("london" in keys) is london_allowed
    assert "court" in keys


def test_when_user_list_missing_then_error_names_the_file(tmp_path):
    with pytest.raises(QualevalError, match=r"nope.txt: allow-list not found"):
        allow_terms(tmp_path / "nope.txt")


def _turns(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    turns = pd.DataFrame(
        {
            "interview_id": ["X01"],
            "turn_index": [0],
            "speaker_label": ["Respondent"],
            "speaker_role": ["respondent"],
            "role_rule": ["pattern"],
            "text": [text],
            "n_words": [len(text.split())],
            "source_file": ["x01.txt"],
            "start_s": [None],
            "end_s": [None],
        }
    )
    return turns, pd.DataFrame({"interview_id": ["X01"], "file": ["x01.txt"]})


@pytest.mark.parametrize(
    ("decisions", "kept", "replaced"),
    [
        (None, ["Ofsted", "London", "DfE"], ["Wigan"]),
        (ADD_OFSTED, ["London", "DfE"], ["Wigan", "Ofsted"]),
    ],
)
def test_when_anonymised_with_defaults_then_listed_terms_stay_unless_a_review_adds_them(
    decisions, kept, replaced
):
    params = load_params(None).anonymise
    params = params.model_copy(
        update={"recognisers": [r for r in params.recognisers if r != "ner"]}
    )
    turns, interviews = _turns("Ofsted came to Wigan from London, and the DfE asked about it.")
    result = anonymise(
        turns,
        interviews,
        params,
        decisions=decisions,
        allow=allow_terms(None, params.allow, decisions),
        progress=False,
    )
    text = result.turns["text"].iloc[0]
    assert all(t in text for t in kept), text
    assert not any(t in text for t in replaced), text


KEY = {
    "format": "qualeval-key-v1",
    "entities": [
        {"entity_type": "person", "pseudonym": "[Person 1]", "variants": ["Priya"]},
        {"entity_type": "place", "pseudonym": "[Place 1]", "variants": ["London"]},
        {"entity_type": "organisation", "pseudonym": "[Org 1]", "variants": ["Ofsted"]},
    ],
}


def _gate(tmp_path, text: str, decisions_csv: str | None):
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "report.md").write_text(text, encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(dumps_key(KEY), encoding="utf-8")
    decisions = None
    if decisions_csv:
        decisions = tmp_path / "decisions.csv"
        decisions.write_text(decisions_csv, encoding="utf-8")
    return V.run_stage(
        None,
        out,
        key,
        register_path=None,
        decisions_path=decisions,
        allow_path=None,
        report=tmp_path / "verify_report.csv",
        metrics=tmp_path / "verify.json",
    )


@pytest.mark.parametrize(
    ("text", "decisions_csv", "leaked"),
    [
        # a default-listed term in the key (an older run, a false positive) is not a leak
        ("Ofsted and London were mentioned.", None, []),
        ("[Person 1] met Priya in London.", None, ["Priya"]),
        # the review adds Ofsted: the gate now counts it, as anonymise now replaces it
        (
            "Ofsted and London were mentioned.",
            "text,entity_type,decision\nOfsted,organisation,add\n",
            ["Ofsted"],
        ),
    ],
)
def test_when_gate_runs_then_it_uses_the_same_allow_list_as_anonymise(
    tmp_path, text, decisions_csv, leaked
):
    if not leaked:
        assert _gate(tmp_path, text, decisions_csv).passed
        return
    with pytest.raises(QualevalError, match="leak gate failed"):
        _gate(tmp_path, text, decisions_csv)
    report = pd.read_csv(tmp_path / "verify_report.csv")
    assert sorted(report["identifier"]) == leaked
    assert json.loads((tmp_path / "verify.json").read_text())["passed"] is False


def test_when_default_list_read_then_it_has_a_header_and_no_duplicates():
    lines = DEFAULT_ALLOW_LIST.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and sum(line.startswith("#") for line in lines[:30]) >= 20
    keys = [normalise_phrase(t) for t in default_allow_list()]
    assert len(keys) == len(set(keys)) and len(keys) > 100


def test_when_compared_with_the_sample_gold_then_no_default_term_is_an_identifier(sample_dir):
    gold = [
        json.loads(line)
        for line in (sample_dir / "gold" / "gold_pii.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    identifiers = {normalise_phrase(s) for rec in gold for s in rec["must_remove"]}
    assert identifiers, "sample gold is empty"
    assert not _keys(default_allow_list()) & identifiers
