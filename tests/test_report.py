"""Report stage: tables, quantifiers, suppression, attributions, evidence, and the three formats."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline import report as R
from pipeline.disclosure import audit_table
from pipeline.errors import QualevalError
from pipeline.params import ReportParams, load_params

CODEBOOK = """\
name: Test codebook
version: "2.0"
codes:
  - id: benefit
    label: Benefits
    definition: Positive effects of taking part in the programme.
  - id: benefit.sharing
    label: Sharing good practice
    parent: benefit
    definition: The programme spreads effective practice between councils; more words here.
    keywords: [good practice]
  - id: benefit.trust
    label: Openness and trust
    parent: benefit
    definition: The programme builds honest self-assessment and trust between councils.
    keywords: [trust]
  - id: challenge
    label: Challenges
    definition: Difficulties experienced in taking part in the programme.
  - id: challenge.time
    label: Time and capacity
    parent: challenge
    definition: Taking part demands scarce senior and staff time from every council.
    keywords: [time]
  - id: challenge.money
    label: Funding
    parent: challenge
    definition: Shortage of money or resources to run or take part in the programme.
    keywords: [money]
"""

# interview -> (role, region, council type)
PEOPLE = {
    "I01": ("Lead member", "North West", "Unitary authority"),
    "I02": ("Lead member", "North West", "Unitary authority"),
    "I03": ("Lead member", "North West", "County council"),
    "I04": ("Lead DCS", "North West", "County council"),
    "I05": ("Lead DCS", "London", "London borough"),
    "I06": ("Lead DCS", "London", "London borough"),
    "I07": ("Lead DCS", "London", "London borough"),
    "I08": ("Chief executive", "London", "London borough"),
    "I09": ("Chief executive", "London", "Unitary authority"),
    "I10": ("Council staff", "London", "Unitary authority"),
}
ALL = sorted(PEOPLE)
# code -> interviews coded with it
CODED = {
    "benefit.sharing": ALL[:7],  # 7 of 10: most
    "benefit.trust": ["I01", "I05"],  # 2 of 10: some
    "challenge.time": ALL,  # 10 of 10: all
    "challenge.money": ["I08"],  # 1 of 10: one (not a key finding)
}
TEXT = {
    "benefit.sharing": "We took a lot of good practice from the other council and used it at "
    "home in {iv}.",
    "benefit.trust": "The self-assessment was honest and it built real trust between the two "
    "councils in {iv}.",
    "challenge.time": "Finding the time for senior people to go away for three whole days was "
    "really hard for us.",
    "challenge.money": "There is simply not enough money left in the budget to keep the whole "
    "programme running.",
}
PLACEHOLDER = "[Person 3] showed us their front door model and we copied good practice from it."


@pytest.fixture
def inputs(tmp_path) -> R.Inputs:
    interviews = pd.DataFrame(
        [
            {
                "interview_id": iv,
                "role": r,
                "region": g,
                "council_type": c,
                "interview_month": f"2024-0{1 + i % 3}",
                "format": "txt",
                "n_turns": 10,
            }
            for i, (iv, (r, g, c)) in enumerate(PEOPLE.items())
        ]
    )
    segs, codes = [], []
    for code_i, (code, ivs) in enumerate(CODED.items()):
        for iv in ivs:
            seg = f"{iv}-0001-{code_i:02d}"
            segs.append((seg, iv, TEXT[code].format(iv=iv)))
            codes.append((iv, seg, code, 2.0 + code_i / 10))
    # I01: a higher-scoring sharing segment with a placeholder (quotes prefer clean ones)
    segs.append(("I01-0002-00", "I01", PLACEHOLDER))
    codes.append(("I01", "I01-0002-00", "benefit.sharing", 9.0))
    # I01: one segment carrying two codes (segment co-occurrence)
    segs.append(("I01-0003-00", "I01", "Good practice takes time, and time is what we lack most."))
    codes.append(("I01", "I01-0003-00", "benefit.sharing", 1.0))
    codes.append(("I01", "I01-0003-00", "challenge.time", 1.0))
    segments = pd.DataFrame(segs, columns=["segment_id", "interview_id", "text"])
    segment_codes = pd.DataFrame(codes, columns=["interview_id", "segment_id", "code_id", "score"])
    segment_codes["turn_index"] = 1
    segment_codes["method"] = ["keyword", "semantic", "keyword+semantic"] * (len(codes) // 3) + [
        "semantic"
    ] * (len(codes) % 3)
    book_path = tmp_path / "codebook.yaml"
    book_path.write_text(CODEBOOK, encoding="utf-8")
    from pipeline.codebook import load_codebook

    return R.Inputs(
        interviews=interviews,
        segments=segments,
        segment_codes=segment_codes,
        codebook=load_codebook(book_path),
        agreement={"human_codes": True, "n_turns": 40, "micro_f1": 0.61, "macro_kappa": 0.55},
        replacements={"person": 8, "place": 4},
    )


@pytest.fixture
def built(inputs) -> R.Report:
    return R.build_report(inputs, ReportParams())


# --- quantifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "word"),
    [
        (10, 10, "all"),
        (9, 10, "almost all"),
        (8, 10, "most"),
        (6, 10, "most"),
        (5, 10, "many"),
        (4, 10, "many"),
        (3, 10, "some"),
        (2, 10, "some"),
        (1, 10, "one"),
        (0, 10, "none"),
        (31, 43, "most"),
        (26, 43, "most"),  # 0.605
        (25, 43, "many"),  # 0.581
        (18, 43, "many"),  # 0.419
        (17, 43, "some"),  # 0.395
        (9, 43, "some"),  # 0.209
        (8, 43, "a few"),  # 0.186
        (2, 43, "a few"),
        (1, 43, "one"),
        (2, 2, "all"),
        (1, 1, "one"),  # "all" needs two interviews
        (1, 2, "one"),  # 50% of two is still one interviewee
    ],
)
def test_when_count_reaches_threshold_then_quantifier_word(count, total, word):
    assert R.quantify(count, total, ReportParams().quantifiers) == word


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [
        (31, 43, "Most interviewees (31 of 43)"),
        (1, 43, "One interviewee (1 of 43)"),
        (40, 43, "Almost all interviewees (40 of 43)"),
        (3, 43, "A few interviewees (3 of 43)"),
    ],
)
def test_when_phrase_then_capitalised_word_and_count(count, total, text):
    assert R.phrase(count, total, ReportParams().quantifiers) == text


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        (
            [{"word": "some", "min_share": 0.2}, {"word": "most", "min_share": 0.6}, {"word": "n"}],
            "descending order",
        ),
        ([{"word": "all", "min_share": 1.0}, {"word": "some", "min_share": 0.2}], "catch every"),
        ([{"word": "all", "min_share": 1.0}, {"word": "all"}], "listed twice"),
        ([{"word": "a", "min_share": 0.5}, {"word": "b", "min_share": 0.5}, {"word": "c"}], "desc"),
        ([{"word": "a", "min_share": 1.5}, {"word": "c"}], "less than or equal to 1"),
        ([], "at least one word"),
    ],
)
def test_when_quantifier_scale_is_invalid_then_params_error(tmp_path, scale, message):
    import yaml

    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"report": {"quantifiers": scale}}), encoding="utf-8")
    with pytest.raises(QualevalError, match=r"report\.quantifiers") as err:
        load_params(path)
    assert message in str(err.value)


def test_when_default_params_then_yaml_matches_model(root):
    assert load_params(root / "params.yaml").report == ReportParams()


def test_when_quote_bounds_inverted_then_params_error(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("report: {quote_min_words: 30, quote_max_words: 10}\n", encoding="utf-8")
    with pytest.raises(QualevalError, match="quote_max_words"):
        load_params(path)


# --- small helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We copied their triage model and it changed how our front door works.", "same"),
        ("Yes. We copied their triage model and it changed how our front door works.", "drop1"),
        ("we copied their triage model and it changed how our front door works.", None),
        ("We copied their triage model and it changed how our front door works", None),
        ("Too short to quote.", None),
        (
            "[Person 3] ran the session well and we all came away with a clear plan to act on.",
            "same",
        ),
        # two sentences fit; the third would exceed 30 words
        (
            "The first sentence has exactly ten words in it, see. "
            "The second sentence also has exactly ten words, you see. "
            "The third sentence would push the quote well over the limit of thirty words.",
            "The first sentence has exactly ten words in it, see. "
            "The second sentence also has exactly ten words, you see.",
        ),
    ],
)
def test_when_quote_from_then_complete_bounded_sentences(text, expected):
    got = R.quote_from(text, 12, 30)
    if expected == "same":
        assert got == text
    elif expected == "drop1":
        assert got == text.split(". ", 1)[1]
    else:
        assert got == expected


@pytest.mark.parametrize(
    "counts",
    [
        [[5, 1], [4, 6]],
        [[1, 0, 7], [0, 2, 9], [5, 5, 5]],
        [[0, 3], [4, 0]],
        [[2, 2], [2, 2]],
    ],
)
def test_when_suppress_then_no_small_cell_can_be_recovered(counts):
    inner = pd.DataFrame(counts, index=[f"r{i}" for i in range(len(counts))])
    inner.columns = [f"c{j}" for j in range(inner.shape[1])]
    table = inner.copy()
    table["Total"] = inner.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    shown = R.suppress(table, 3, "Total", "Total")
    supp = shown.map(lambda v: v in ("<3", "[c]", "[x]"))
    raw = table.to_numpy()
    # primary: every 1..2 is hidden; the grand total is shown (a zero may be hidden as "<3")
    assert (supp.to_numpy() | ~((raw > 0) & (raw < 3))).all()
    assert shown.at["Total", "Total"] == table.at["Total", "Total"]
    # secondary: no row or column with exactly one hidden cell (it would follow from the total)
    assert not (supp.sum(axis=1) == 1).any()
    assert not (supp.sum(axis=0) == 1).any()
    assert audit_table("t", shown, 3, total_row="Total", total_col="Total") == []


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"a": 5, "b": 4}, {"a": "a", "b": "b"}),
        ({"a": 5, "b": 1, "c": 2}, {"a": "a", "b": "Other", "c": "Other"}),
        ({"a": 5, "b": 4, "c": 1}, {"a": "a", "b": "b and other", "c": "b and other"}),
        ({"a": 1, "b": 1}, {"a": "All", "b": "All"}),
    ],
)
def test_when_groups_are_small_then_merged(sizes, expected):
    assert R.merge_small_groups(pd.Series(sizes), 3) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sharing good practice", "sharing good practice"),
        ("Ofsted readiness", "ofsted readiness"),
        ("NHS links", "NHS links"),
        ("I statements", "I statements"),
        ("Start for Life services", "Start for Life services"),
        ("Family Hubs", "Family Hubs"),
        ("Working with Ofsted", "working with Ofsted"),
        ("Support for families", "support for families"),
        ("Access and awareness", "access and awareness"),
    ],
)
def test_when_lower_first_then_acronyms_kept(text, expected):
    assert R.lower_first(text) == expected


# --- the tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code_id", "n", "word", "n_segments"),
    [
        ("benefit", 7, "most", 11),
        ("benefit.sharing", 7, "most", 9),
        ("benefit.trust", 2, "some", 2),
        ("challenge", 10, "all", 12),
        ("challenge.time", 10, "all", 11),
        ("challenge.money", 1, "one", 1),
    ],
)
def test_when_report_built_then_prevalence_counts_and_words(built, code_id, n, word, n_segments):
    prev = built.table("theme_prevalence").frame.set_index("code_id")
    assert prev.at[code_id, "n_interviews"] == n
    assert prev.at[code_id, "of"] == 10
    assert prev.at[code_id, "quantifier"] == word
    assert prev.at[code_id, "n_segments"] == n_segments


def test_when_report_built_then_codes_in_codebook_order(built):
    prev = built.table("theme_prevalence").frame
    assert prev.code_id.tolist() == [
        "benefit",
        "benefit.sharing",
        "benefit.trust",
        "challenge",
        "challenge.time",
        "challenge.money",
    ]


def test_when_groups_under_min_cell_then_merged_in_by_role_columns(built):
    prev = built.table("theme_prevalence").frame.set_index("code_id")
    # Chief executive (2) + Council staff (1) merge into Other (3)
    assert [c for c in prev.columns if "(n=" in c] == [
        "Lead DCS (n=4)",
        "Lead member (n=3)",
        "Other (n=3)",
    ]
    assert prev.at["benefit.sharing", "Lead member (n=3)"] == "3 (all)"
    assert prev.at["benefit.sharing", "Other (n=3)"] == "0 (none)"
    assert prev.at["challenge.money", "Other (n=3)"] == "<3"  # one interview: suppressed


def test_when_crosstab_then_counts_by_attribute(built):
    region = built.table("crosstab_region").frame.set_index("code_id")
    assert list(region.columns) == ["theme", "All (n=10)", "London (n=6)", "North West (n=4)"]
    assert region.at["benefit.sharing", "North West (n=4)"] == 4
    assert region.at["benefit.sharing", "London (n=6)"] == 3
    assert region.at["challenge.money", "London (n=6)"] == "<3"  # one interview: suppressed


def test_when_sample_profile_then_small_cells_suppressed(built):
    t = built.table("sample_by_region")
    assert t.number == "1a" and built.table("sample_by_council_type").number == "1b"
    frame = t.frame.set_index("Role")
    assert frame.at["Lead DCS", "North West"] == "<3"  # one interview
    assert frame.at["Council staff", "London"] == "<3"
    # 3 is not small, but Lead DCS's total (4) minus it would reveal North West's 1
    assert frame.at["Lead DCS", "London"] == "[c]"
    # a zero hidden as "<3": North West's total (4) minus Lead member's 3 would give the 1
    assert frame.at["Chief executive", "North West"] == "<3"
    # the margins are group sizes the by-group tables publish: never suppressed
    assert (frame.at["Total", "North West"], frame.at["Total", "London"]) == (4, 6)
    assert (frame.at["Lead DCS", "Total"], frame.at["Total", "Total"]) == (4, 10)
    assert audit_table("t", frame, 3, total_row="Total", total_col="Total") == []


def test_when_report_built_then_every_count_matches_its_evidence(built):
    ev = built.evidence
    prev = built.table("theme_prevalence").frame
    for r in prev.itertuples():
        cell = ev[(ev.table == "theme_prevalence") & (ev.row_key == r.code_id)]
        cell = cell[cell.column_key == "n_interviews"]
        assert cell.interview_id.nunique() == r.n_interviews
        assert cell.segment_id.nunique() == r.n_segments
    region = built.table("crosstab_region").frame.set_index("code_id")
    for code_id in region.index:
        for col in ("London", "North West"):
            n = region.at[code_id, next(c for c in region.columns if c.startswith(col))]
            cell = ev[(ev.table == "crosstab_region") & (ev.row_key == code_id)]
            true = cell[cell.column_key == col].interview_id.nunique()
            # a suppressed cell's evidence has the true count: under 3, or any for [c]
            assert true == n if not isinstance(n, str) else (n == "[c]" or true < 3)
    co = built.table("cooccurrence").frame
    for r in co.itertuples():
        key = f"{r.code_a} & {r.code_b}"
        cell = ev[(ev.table == "cooccurrence") & (ev.row_key == key)]
        assert cell[cell.column_key == "n_interviews"].interview_id.nunique() == r.n_interviews
        assert cell[cell.column_key == "n_segments"].segment_id.nunique() == r.n_segments
    profile = built.table("sample_by_region")
    cell = ev[(ev.table == "sample_by_region") & (ev.row_key == "Lead member")]
    assert cell[cell.column_key == "North West"].interview_id.tolist() == ["I01", "I02", "I03"]
    assert profile.frame is not None


def test_when_cooccurrence_then_pairs_counted_by_interview_and_segment(built):
    co = built.table("cooccurrence").frame
    pair = co[(co.code_a == "benefit.sharing") & (co.code_b == "challenge.time")].iloc[0]
    assert pair.n_interviews == 7 and pair.n_segments == 1
    assert co.iloc[0].n_interviews == co.n_interviews.max()


def test_when_attributions_then_metadata_only_and_coarsened_for_small_groups(inputs):
    attr = R.attributions(inputs.interviews, ["role", "region"], 3)
    assert attr["I01"] == "Lead member, North West"  # three share it
    assert attr["I04"] == "Lead DCS"  # the only Lead DCS in the North West
    assert attr["I05"] == "Lead DCS, London"
    assert attr["I10"] == "Interviewee"  # the only council staff
    assert R.attributions(inputs.interviews, ["role", "region"], 1)["I04"] == (
        "Lead DCS, North West"
    )


def test_when_quotes_bank_then_clean_bounded_quotes_attributed(built):
    bank = built.table("quotes_bank").frame
    sharing = bank[bank.code_id == "benefit.sharing"]
    assert sharing["rank"].tolist() == [1, 2, 3]
    assert PLACEHOLDER not in sharing.quote.tolist()  # clean quotes first
    assert sharing.segment_id.str[:3].nunique() == 3  # one per interview
    allowed = set(R.attributions(built_interviews(), ["role", "region"], 3))
    assert set(bank.attribution) <= allowed
    for q in bank.quote:
        assert 12 <= len(q.split()) <= 60 and q[0].isupper() and q.endswith(".")
    assert not bank.attribution.str.contains(r"I\d\d").any()


def test_when_both_coders_chose_a_segment_then_it_is_quoted_first(inputs):
    sc = inputs.segment_codes
    time_rows = sc.code_id == "challenge.time"
    sc.loc[time_rows, "method"] = "semantic"
    sc.loc[time_rows & (sc.segment_id == "I10-0001-02"), "method"] = "keyword+semantic"
    sc.loc[time_rows & (sc.segment_id == "I10-0001-02"), "score"] = 0.5
    bank = R.build_report(inputs, ReportParams()).table("quotes_bank").frame
    assert bank[bank.code_id == "challenge.time"].segment_id.iloc[0] == "I10-0001-02"


def test_when_segment_is_a_self_description_then_never_quoted(inputs):
    sc, seg = inputs.segment_codes, inputs.segments
    seg.loc[seg.segment_id == "I05-0001-00", "text"] = (
        "I'm the lead DCS for this region, so I see every single one of the challenges we run."
    )
    sc.loc[sc.segment_id == "I05-0001-00", ["score", "method"]] = [99.0, "keyword+semantic"]
    bank = R.build_report(inputs, ReportParams()).table("quotes_bank").frame
    assert "I05-0001-00" not in set(bank.segment_id)
    # the built-in non-analytic rule (pipeline.nonanalytic) applies without quote_exclude too
    kept = R.build_report(inputs, ReportParams(quote_exclude=[])).table("quotes_bank").frame
    assert "I05-0001-00" not in set(kept.segment_id)


def built_interviews():
    return pd.DataFrame(
        [{"interview_id": k, "role": r, "region": g} for k, (r, g, _) in PEOPLE.items()]
    )


def test_when_attribution_names_an_identity_column_then_params_error():
    with pytest.raises(ValueError, match="interviewer"):
        ReportParams(attribution=["role", "interviewer"])


def test_when_quote_shown_then_no_segment_id_joins_it_to_an_interview(inputs):
    # the join attack: a segment id beside a quote names its interview, whose role and
    # region the sample tables give; the report's quote tables carry none
    report = R.build_report(inputs, ReportParams())
    for key in ("quotes_bank", "framework_matrix"):
        shown = report.table(key).shown
        text = " ".join(shown.astype(str).to_numpy().ravel())
        assert "segment_id" not in shown.columns
        assert not re.search(r"I\d{2}-\d{4}-\d{2}", text), key


def test_when_framework_rows_then_region_or_interview(inputs):
    by_region = R.build_report(inputs, ReportParams()).table("framework_matrix").frame
    assert by_region.Region.tolist() == ["London", "North West"]
    cell = by_region.set_index("Region").at["North West", "Benefits"]
    assert cell.startswith("“") and not re.search(r"I\d{2}-\d{4}-\d{2}", cell)
    by_iv = R.build_report(inputs, ReportParams(framework_rows="interview"))
    frame = by_iv.table("framework_matrix").frame.set_index("Interview")
    assert len(frame) == 10 and frame.at["I10", "Benefits"] == "—"


def test_when_report_built_then_executive_summary_from_the_tables(built):
    benefits, challenges = built.themes
    assert benefits.headline == (
        "Most interviewees (7 of 10) described at least one of the 2 sub-themes of benefits."
    )
    assert benefits.findings == [
        "Most interviewees (7 of 10) described sharing good practice (the programme spreads "
        "effective practice between councils).",
        "Some interviewees (2 of 10) described openness and trust (the programme builds honest "
        "self-assessment and trust between councils).",
    ]
    # challenge.money has one interview: under min_finding_interviews, not a key finding
    assert len(challenges.findings) == 1 and challenges.findings[0].startswith(
        "Every interviewee (10) described time and capacity"
    )
    bank = built.table("quotes_bank").frame
    for q in benefits.quotes + challenges.quotes:
        row = bank[bank.segment_id == q.segment_id].iloc[0]
        assert (row.quote, row.attribution) == (q.text, q.attribution)
    assert len(benefits.quotes) == 2


def test_when_methods_then_sample_codebook_coding_and_gate(built):
    m = built.table("methods").frame
    values = dict(zip(m.item, m.value))
    assert values["Interviews"] == "10"
    assert values["Interview dates"] == "2024-01 to 2024-03"
    assert values["Name"] == "Test codebook" and values["Version"] == "2.0"
    assert values["Coders"] == "keyword, semantic"
    assert values["micro f1"] == "0.61"
    assert values["Replacements: person"] == "8" and values["Replacements"] == "12"
    assert values["Leak gate"].startswith("Before release, the leak gate")


def test_when_no_segment_is_coded_then_report_still_builds(inputs):
    inputs.segment_codes = inputs.segment_codes.iloc[0:0]
    rep = R.build_report(inputs, ReportParams())
    assert (rep.table("theme_prevalence").frame.n_interviews == 0).all()
    assert rep.table("cooccurrence").frame.empty and rep.table("quotes_bank").frame.empty
    assert rep.themes[0].headline == "No interviewee described any benefits theme."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: setattr(i, "segment_codes", i.segment_codes.assign(code_id="x.y")), "'x.y'"),
        (
            lambda i: setattr(i, "segment_codes", i.segment_codes.assign(interview_id="I99")),
            "'I99'",
        ),
        (lambda i: setattr(i, "segments", i.segments.iloc[1:]), "segments table"),
        (lambda i: setattr(i, "interviews", i.interviews.iloc[0:0]), "no interviews"),
    ],
)
def test_when_inputs_disagree_then_clear_error(inputs, change, message):
    change(inputs)
    with pytest.raises(QualevalError, match=re.escape(message)):
        R.build_report(inputs, ReportParams())


def test_when_metadata_column_missing_then_left_out(inputs):
    inputs.interviews = inputs.interviews.drop(columns=["council_type"])
    rep = R.build_report(inputs, ReportParams())
    keys = [t.key for t in rep.tables]
    assert "crosstab_council_type" not in keys and "sample_by_council_type" not in keys
    assert "crosstab_region" in keys


def test_when_placeholders_counted_then_replacements_by_type():
    turns = pd.DataFrame(
        {"text": ["[Person 1] met [Person 12] at [Council AB] on [date].", "No names.", None]}
    )
    templates = {
        "person": "[Person {n}]",
        "council": "[Council {letter}]",
        "date": "[date]",
        "email": "[email]",
    }
    assert R.placeholder_counts(turns, templates) == {"council": 1, "date": 1, "person": 2}


def test_when_input_file_missing_then_error_names_it(tmp_path):
    with pytest.raises(QualevalError, match=r"interviews\.parquet: .*anonymise"):
        R.read_inputs(
            tmp_path / "interviews.parquet",
            tmp_path / "segments.parquet",
            tmp_path / "segment_codes.parquet",
            tmp_path / "codebook.yaml",
        )


# --- topics (the topics stage's contract) --------------------------------------------------------


def write_topics(folder: Path, *, emergent: bool = True) -> Path:
    """A small topics folder that follows the topics contract exactly."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = pd.DataFrame(
        {
            "topic_id": np.array([-1, 0, 1], dtype="int32"),
            "label": ["outliers", "front door triage", "travel and hotels"],
            "keywords": ["the; and", "front; door; triage", "travel; hotel; train"],
            "n_segments": np.array([1, 3, 2], dtype="int32"),
            "n_interviews": np.array([1, 3, 2], dtype="int32"),
            "share": [1 / 6, 3 / 6, 2 / 6],
            "top_code_id": pd.array([None, "benefit.sharing", "challenge.time"], dtype="string"),
            "top_code_share": [0.0, 1.0, 0.5],
            "emergent": [False, False, emergent],
        }
    )
    topics.to_parquet(folder / "topics.parquet", index=False)
    topics.to_csv(folder / "topics.csv", index=False)
    st = pd.DataFrame(
        {
            "segment_id": [
                "I01-0001-00",
                "I02-0001-00",
                "I03-0001-00",
                "I05-0001-02",
                "I08-0001-03",
            ],
            "interview_id": ["I01", "I02", "I03", "I05", "I08"],
            "turn_index": [1, 1, 1, 1, 1],
            "topic_id": np.array([0, 0, 0, 1, 1], dtype="int32"),
            "initial_topic_id": np.array([0, 0, 0, 1, -1], dtype="int32"),
            "probability": [0.9, 0.8, 0.7, 0.6, 0.5],
        }
    )
    st.to_parquet(folder / "segment_topics.parquet", index=False)
    quotes = pd.DataFrame(
        {
            "topic_id": np.array([1, 1], dtype="int32"),
            "rank": np.array([1, 2], dtype="int32"),
            "segment_id": ["I08-0001-03", "I05-0001-02"],
            "interview_id": ["I08", "I05"],
            "turn_index": [1, 1],
            "text": [
                "Too short.",
                "The train fare and two hotel nights came out of our own training budget.",
            ],
        }
    )
    quotes.to_parquet(folder / "topic_quotes.parquet", index=False)
    pd.DataFrame(
        {
            "topic_id": [0, 1],
            "code_id": ["benefit.sharing", "challenge.time"],
            "n_segments": [3, 1],
            "share": [1.0, 0.5],
        }
    ).to_csv(folder / "topic_codes.csv", index=False)
    em = (
        topics[topics.emergent]
        .drop(columns=["share", "emergent"])
        .assign(reason="no code covers most of its segments", coded_share=0.0, basis="coverage")
    )
    em.to_csv(folder / "emergent_topics.csv", index=False)
    for name in ("topics_map", "topics_barchart", "topics_hierarchy"):
        (folder / f"{name}.html").write_text("<html></html>", encoding="utf-8")
    return folder


def test_when_emergent_table_lacks_the_basis_then_error_names_file_and_fix(tmp_path):
    folder = write_topics(tmp_path / "topics")
    path = folder / "emergent_topics.csv"
    pd.read_csv(path).drop(columns="basis").to_csv(path, index=False)
    with pytest.raises(QualevalError, match=r"emergent_topics\.csv: missing .*re-run the topics"):
        R.read_topics(folder)


def test_when_topics_given_then_emergent_topics_table_with_quote(inputs, tmp_path):
    inputs.topics = R.read_topics(write_topics(tmp_path / "topics"))
    rep = R.build_report(inputs, ReportParams())
    t7 = rep.table("emergent_topics").frame
    assert t7.topic_id.tolist() == [1]
    row = t7.iloc[0]
    assert row.label == "travel and hotels" and row.nearest_code == "Time and capacity"
    assert row.reason == "no code covers most of its segments"
    assert row.quote.startswith("The train fare") and row.attribution == "Lead DCS, London"
    assert rep.topics_summary[0].startswith(
        "Themes the codebook may be missing: the topic model found 1 topic that no code covers "
        "well: “travel and hotels” (2 interviews). Each is drafted as a candidate code"
    )
    ev = rep.evidence[rep.evidence.table == "emergent_topics"]
    assert sorted(ev.segment_id) == ["I05-0001-02", "I08-0001-03"]


def test_when_no_topic_is_emergent_then_summary_says_so(inputs, tmp_path):
    inputs.topics = R.read_topics(write_topics(tmp_path / "topics", emergent=False))
    rep = R.build_report(inputs, ReportParams())
    assert rep.table("emergent_topics").frame.empty
    assert "no emergent topics" in rep.topics_summary[0]


def test_when_topics_not_run_then_section_says_so(built):
    assert built.topics_summary == [R.TOPICS_NOT_RUN]
    assert built.table("emergent_topics").frame.empty


def test_when_topics_dir_missing_then_clear_error(tmp_path):
    with pytest.raises(QualevalError, match="topics folder not found"):
        R.read_topics(tmp_path / "nope")


# --- the files -----------------------------------------------------------------------------------


def run(inputs, folder: Path, **more) -> R.Report:
    return R.run_stage(
        None,
        inputs,
        tables_dir=folder / "tables",
        report_md=folder / "report.md",
        report_html=folder / "report.html",
        report_docx=folder / "report.docx",
        metrics_path=folder / "metrics" / "report.json",
        analysis_dir=folder / "analysis",
        charts_dir=folder / "charts",
        plots={k: folder / "plots" / f"{k}.csv" for k in PLOTS},
        readme=folder / "README.md",
        **more,
    )


PLOTS = ("plot_theme_prevalence", "plot_group_prevalence")


@pytest.fixture
def written(inputs, tmp_path):
    out = tmp_path / "out"
    (out / "metrics").mkdir(parents=True)
    rep = run(inputs, out)
    return out, rep


def test_when_stage_runs_then_a_csv_per_table_and_an_xlsx_sheet_per_table(written):
    out, rep = written
    keys = [t.key for t in rep.tables]
    public = [k for k in keys if k != "evidence"]  # the evidence is the evaluation team's
    assert sorted(p.stem for p in (out / "tables").glob("*.csv")) == sorted(public)
    assert sorted(p.stem for p in (out / "analysis").glob("*.csv")) == sorted(keys)
    assert len(keys) == 12
    wb = openpyxl.load_workbook(out / "tables" / "report_tables.xlsx", read_only=True)
    assert wb.sheetnames == public
    prev = list(wb["theme_prevalence"].iter_rows(values_only=True))
    assert prev[0][0] == "Table 2. Theme prevalence"
    assert prev[1][:5] == ("code_id", "theme", "parent_theme", "level", "n_interviews")
    assert prev[2][:5] == ("benefit", "Benefits", "Benefits", "theme", 7)
    wb.close()
    csv = pd.read_csv(out / "tables" / "theme_prevalence.csv")
    assert csv.set_index("code_id").at["challenge.time", "quantifier"] == "all"
    metrics = json.loads((out / "metrics" / "report.json").read_text())
    assert metrics["n_tables"] == 12 and metrics["tables"]["theme_prevalence"] == 6
    assert metrics["evidence_rows"] == len(pd.read_csv(out / "analysis" / "evidence.csv"))


def test_when_stage_runs_then_docx_has_headings_tables_and_quotes(written):
    out, rep = written
    d = docx.Document(str(out / "report.docx"))
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Executive summary") in heads
    assert ("Heading 1", "Appendix D: Tables") in heads
    assert ("Heading 1", "3. Benefits") in heads and ("Heading 1", "4. Challenges") in heads
    assert ("Heading 2", "Sharing good practice") in heads
    assert ("Heading 2", "Table 2. Theme prevalence") in heads
    assert d.paragraphs[0].style.name == "Title"
    blocks = [b for s in rep.document for b in s.blocks]
    assert len(d.tables) == sum(b.kind in ("table", "grid") for b in blocks)
    assert [t.key for t in rep.tables if not t.in_document] == [
        "framework_matrix",
        "quotes_bank",
        "evidence",
    ]
    quotes = [p.text for p in d.paragraphs if p.style.name == "Quote"]
    # sharing 3, trust 2, time 1 (every challenge.time segment has the same words), money 1:
    # a quote is never used twice
    assert len(quotes) == 7 and all(" — " in q for q in quotes)
    assert len(set(quotes)) == len(quotes)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Most interviewees (7 of 10) described sharing good practice" in text
    assert d.core_properties.created.year == 2000


def test_when_stage_runs_then_markdown_and_html_carry_the_summary_and_tables(written):
    out, rep = written
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    sentence = "Most interviewees (7 of 10) described sharing good practice"
    assert sentence in md and sentence in html
    assert "## Executive summary" in md and "### Table 2. Theme prevalence" in md
    assert md.index("## Contents") < md.index("## Executive summary") < md.index("## Appendix A")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<main>" in html and html.count("<h1>") == 1
    blocks = [b for s in rep.document for b in s.blocks]
    assert html.count("<caption>") == sum(b.kind in ("table", "grid") for b in blocks)
    assert '<th scope="col">Interviews</th>' in html
    assert '<th scope="col">n_interviews</th>' not in html and '<th scope="col">code_id' not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing external
    assert "<blockquote>" in html and "— Lead" in html


def test_when_stage_runs_twice_then_outputs_byte_identical(inputs, written, tmp_path):
    out, _ = written
    again = tmp_path / "again"
    (again / "metrics").mkdir(parents=True)
    run(inputs, again)
    files = [out / "report.md", out / "report.html", out / "README.md"]
    for p in [*sorted(out.glob("[!m]*/*.*")), *files]:  # metrics hold seconds
        rel = p.relative_to(out)
        assert (again / rel).read_bytes() == p.read_bytes(), rel
    assert (again / "report.docx").read_bytes() == (out / "report.docx").read_bytes()


def test_when_docx_measured_then_it_prints_on_a4_with_contents_and_readable_columns(written):
    from docx.oxml.ns import qn

    out, _ = written
    d = docx.Document(str(out / "report.docx"))
    for s in d.sections:  # A4, portrait or landscape
        assert sorted((round(s.page_width.mm), round(s.page_height.mm))) == [210, 297]
    body = d.element.body.xml
    assert "TOC \\o" in body and ("Heading 1", "Contents") in [
        (p.style.name, p.text) for p in d.paragraphs
    ]
    footer = d.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    for t in d.tables:
        widths = [int(g.get(qn("w:w"))) / 567 for g in t._tbl.tblGrid.iterchildren()]  # cm
        assert min(widths) >= 2.0 - 1e-6, widths
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header row repeats
        header = [c.text for c in t.rows[0].cells]
        assert not {"code_id", "share", "of", "n_interviews"} & set(header), header
    assert d.inline_shapes and all(
        s._inline.docPr.get("descr", "").startswith(("Bar chart", "Grouped bar chart"))
        for s in d.inline_shapes
    )
    headers = [[c.text for c in t.rows[0].cells] for t in d.tables]
    prev, header = next((t, h) for t, h in zip(d.tables, headers) if "Share" in h)
    share = [c.text for c in prev.columns[header.index("Share")].cells]
    assert all(v.endswith("%") for v in share[1:])


def test_when_table_no_longer_written_then_stale_csv_removed(inputs, written):
    out, _ = written
    (out / "tables" / "crosstab_old.csv").write_text("x\n1\n", encoding="utf-8")
    run(inputs, out)
    assert not (out / "tables" / "crosstab_old.csv").exists()


# --- the report in a browser ---------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_when_report_opened_in_headless_chromium_then_summary_and_every_table_render(
    written, tmp_path
):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium binary found: .ci/run must install chromium")
        pytest.skip("no chromium binary on PATH (apt-get install chromium); the test runs in CI")
    out, rep = written
    url = (out / "report.html").resolve().as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert 'id="executive-summary"' in page and "Executive summary</h2>" in page
    assert "Most interviewees (7 of 10) described sharing good practice" in page
    captions = re.findall(r"<caption>(.*?)</caption>", page)
    printed = [t.caption for t in rep.tables if t.in_document]
    assert [c for c in captions if c.startswith("Table ")] == printed
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=412,900", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and shot.stat().st_size > 5000, proc.stderr[-2000:]
    # printed to PDF (the stage's own printer): A4, bounded length, tagged
    import pypdf

    from pipeline.report.pdf import print_pdf

    pdf = tmp_path / "report.pdf"
    print_pdf(out / "report.html", pdf, browser)
    reader = pypdf.PdfReader(str(pdf))
    assert 3 <= len(reader.pages) <= 20, len(reader.pages)
    box = reader.pages[0].mediabox
    assert sorted((round(box.width / 72 * 25.4), round(box.height / 72 * 25.4))) == [210, 297]
    assert b"/StructTreeRoot" in pdf.read_bytes() and b"D:20000101000000" in pdf.read_bytes()


# --- end to end ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_when_dvc_repro_then_report_written_and_scanned_by_the_gate(repro):
    from pipeline.verify import extract_texts

    work, proc = repro
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = work / "outputs"
    pack = out / "report"
    files = [pack / "report.md", pack / "report.html", pack / "report.docx", pack / "README.md"]
    files += [pack / "tables" / "report_tables.xlsx", out / "analysis" / "tables" / "evidence.csv"]
    files += [pack / "charts" / "theme_prevalence.png", pack / "plots" / "theme_prevalence.csv"]
    for p in files:
        assert p.is_file(), p
        assert any(extract_texts(p)), p  # a format the gate can read
    metrics = json.loads((out / "metrics" / "report.json").read_text())
    assert metrics["n_tables"] == 12 and metrics["findings"] >= 6
    html = (pack / "report.html").read_text(encoding="utf-8")
    # with human codes the quantifier follows the adjusted estimate, the coded count beside it
    assert re.search(
        r"(All|Almost all|Most|Many) interviewees \((an estimated )?\d+ of 43(; \d+ coded)?\) "
        "described",
        html,
    )
    gate = json.loads((out / "metrics" / "verify.json").read_text())
    scanned = [p for p in out.rglob("*") if p.is_file() and p.name != "verify.json"]
    assert gate["passed"] is True and gate["leaks"] == 0
    assert gate["disclosure"]["passed"] is True and gate["disclosure"]["cells"] > 0
    assert gate["files_scanned"] >= len(scanned)
    lock = (work / "dvc.lock").read_text()
    verify_deps = lock.split("  verify:", 1)[1]
    for rel in (
        "outputs/report/report.html",
        "outputs/report/report.docx",
        "outputs/report/tables",
        "outputs/analysis/tables",
        "outputs/notebooks",
    ):
        assert rel in verify_deps


# --- outputs that scale (XLSX row limit, evidence as parquet) ------------------------------------


def test_when_stage_runs_then_the_evidence_is_parquet_and_csv_and_the_workbook_its_summary(written):
    out, rep = written
    ev_csv = pd.read_csv(out / "analysis" / "evidence.csv", dtype=str, keep_default_na=False)
    ev_parquet = pd.read_parquet(out / "analysis" / "evidence.parquet")
    pd.testing.assert_frame_equal(ev_parquet, ev_csv)
    assert len(ev_parquet) == len(rep.evidence) > 0
    assert not list((out / "tables").glob("*.parquet"))  # the commissioner pack has no evidence
    wb = openpyxl.load_workbook(out / "analysis" / "analysis_tables.xlsx", read_only=True)
    rows = list(wb["evidence"].iter_rows(values_only=True))
    wb.close()
    assert rows[0][1].startswith("Summary only: every row is in evidence.parquet and evidence.csv")
    assert rows[1] == ("table", "rows", "cells") or rows[1] == ("table", "cells", "rows")
    summary = rep.table("evidence").shown
    assert len(rows) - 2 == len(summary) < len(ev_parquet)
    assert sum(r[list(rows[1]).index("rows")] for r in rows[2:]) == len(ev_parquet)


@pytest.mark.parametrize(
    ("cap", "key", "shown_rows", "note"),
    [
        (
            3,
            "theme_prevalence",
            3,
            "First 3 of 6 rows (a sheet's limit): every row is in "
            "theme_prevalence.csv beside this workbook",
        ),
        (6, "theme_prevalence", 6, None),
        (1_048_574, "evidence", None, "Summary only: every row is in evidence.parquet"),
        (2, "evidence", 2, "First 2 of "),
    ],
    ids=["over the cap", "at the cap", "large: summary", "large summary over the cap"],
)
def test_when_a_table_meets_the_sheet_limit_then_its_sheet_is_capped_with_a_pointer(
    built, tmp_path, monkeypatch, cap, key, shown_rows, note
):
    from pipeline.report import render_xlsx

    monkeypatch.setattr(render_xlsx, "MAX_SHEET_ROWS", cap)
    path = tmp_path / "t.xlsx"
    R.write_xlsx(built.tables, path)
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[key].iter_rows(values_only=True))
    wb.close()
    table = built.table(key)
    expected = shown_rows if shown_rows is not None else len(table.shown)
    assert len(rows) - 2 == expected <= cap
    if note is None:
        assert len(rows[0]) == 1 or rows[0][1] is None
    else:
        assert rows[0][1].startswith(note)


@pytest.mark.parametrize("batch_rows", [1, 2, 7, 100_000])
def test_when_a_large_table_is_written_in_batches_then_the_bytes_do_not_depend_on_the_batch(
    built, tmp_path, batch_rows
):
    from pipeline.report import stage

    ev = built.table("evidence").frame
    stage._write_csv(ev, tmp_path / "one.csv", batch_rows=10**9)
    stage._write_csv(ev, tmp_path / "batched.csv", batch_rows=batch_rows)
    assert (tmp_path / "batched.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    stage._write_parquet(ev, tmp_path / "e.parquet", batch_rows=batch_rows)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(tmp_path / "e.parquet").metadata
    assert meta.num_rows == len(ev)
    assert meta.num_row_groups == -(-len(ev) // batch_rows)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "e.parquet"), ev)


@pytest.mark.parametrize(
    ("cells", "index", "opening"),
    [
        (
            [["[x]", "[x]"], ["[x]", "[x]"], [4, 5]],
            ["a", "b", "Total"],
            "The breakdown is withheld",
        ),
        ([["[x]", "[x]"], [3, 0], [4, 5]], ["a", "b", "Total"], "The breakdown of 1 of the 2 rows"),
        ([[3, "[x]"], [3, 0], ["[x]", 4]], ["a", "b", "c"], "The breakdown of 2 of the 3 rows"),
        ([[3, "<3"], [0, 4]], ["a", "b"], "Counts of interviews under 3"),
    ],
)
def test_when_some_rows_withheld_then_note_says_which_share(cells, index, opening):
    from pipeline.report.tables import suppression_note

    shown = pd.DataFrame(cells, index=index, columns=["g1 (n=6)", "g2 (n=6)"], dtype=object)
    assert suppression_note(shown, 3).startswith(opening)


@pytest.mark.parametrize(
    ("evaluation", "problems"),
    [
        ({"research_questions": [{"question": "Q?", "codes": ["benefit"]}]}, []),
        (
            {"research_questions": [{"question": "Q?", "codes": ["benefit", "benefti.sharing"]}]},
            [
                "evaluation.research_questions[0].codes: 'benefti.sharing' is not a code of the "
                "codebook (did you mean 'benefit.sharing'?)"
            ],
        ),
        (
            {"sections": {"themes": {"chalenge": "evaluation/c.md"}}},
            [
                "evaluation.sections.themes: 'chalenge' is not a code of the codebook "
                "(did you mean 'challenge'?)"
            ],
        ),
        (
            {"research_questions": [{"question": "Q?", "codes": ["zzz"]}]},
            ["evaluation.research_questions[0].codes: 'zzz' is not a code of the codebook"],
        ),
    ],
)
def test_when_evaluation_names_an_unknown_code_then_each_is_reported(evaluation, problems):
    from pipeline.params import EvaluationParams
    from pipeline.report.stage import unknown_codes

    ids = {"benefit", "benefit.sharing", "challenge"}
    assert unknown_codes(EvaluationParams.model_validate(evaluation), ids) == problems


@pytest.mark.parametrize("framework_rows", ["region", "interview"])
def test_when_pack_published_then_no_matrix_quote_is_also_attributed_by_role(
    inputs, framework_rows
):
    # the join attack: a quote printed with its role (quotes bank, emergent topics) and again
    # under its region (framework matrix) is attributed by role x region, a group under k
    report = R.build_report(inputs, ReportParams(framework_rows=framework_rows))
    bank = report.table("quotes_bank").frame
    attributed = [q for q in bank["quote"].astype(str) if q]
    matrix = report.table("framework_matrix").frame
    quotes = [
        q
        for col in matrix.columns[1:]
        for cell in matrix[col]
        for q in re.findall(r"“(.*?)”", cell)
    ]
    assert attributed and quotes
    clashes = [q for q in quotes if any(q in a or a in q for a in attributed)]
    assert clashes == []
