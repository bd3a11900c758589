"""A review's decisions replace the machine's codes downstream (apply_review)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_coding_coders import BOOK, fake_encode
from test_coding_core import SEGS

from pipeline import coding as C
from pipeline.coding.review import ADDED, HUMAN, apply_review
from pipeline.params import CodeParams

CODES = [c.id for c in BOOK.leaves()]
SHARING, TRUST = "benefit.sharing", "benefit.trust"


def _machine():
    emb = fake_encode(SEGS.text.tolist())
    return C.code_segments(SEGS, emb, BOOK, CodeParams(default_threshold=0.5), fake_encode)


def _coding(rows):
    return pd.DataFrame(rows, columns=["interview_id", "turn_index", "code_id"])


def _turns(rows):
    return pd.DataFrame(rows, columns=["interview_id", "turn_index"])


def _codes(df):
    return set(zip(df.interview_id, df.turn_index, df.code_id))


def test_when_machine_coded_then_the_fixture_has_what_the_review_changes():
    machine = _codes(_machine().turn_codes)
    assert ("A", 1, SHARING) in machine and ("A", 1, TRUST) not in machine


@pytest.mark.parametrize(
    ("human", "present", "absent"),
    [
        # reject the machine's sharing code, add trust
        ([("A", 1, TRUST)], {("A", 1, TRUST)}, {("A", 1, SHARING)}),
        # accept it and add trust
        ([("A", 1, SHARING), ("A", 1, TRUST)], {("A", 1, SHARING), ("A", 1, TRUST)}, set()),
        # reviewed with no code at all
        ([], set(), {("A", 1, SHARING), ("A", 1, TRUST)}),
    ],
)
def test_when_review_applied_then_rejected_code_absent_and_added_code_present_downstream(
    human, present, absent
):
    machine = _machine()
    result = apply_review(machine, SEGS, CODES, _coding(human), _turns([("A", 1)]))
    for table in (result.turn_codes, result.segment_codes):
        got = _codes(table)
        assert present <= got and not (absent & got)
    reviewed = result.segment_codes[result.segment_codes.interview_id.eq("A")]
    reviewed = reviewed[reviewed.turn_index.eq(1)]
    assert set(reviewed.method) <= {HUMAN}
    others = lambda df: {k for k in _codes(df) if k[:2] != ("A", 1)}  # noqa: E731
    assert others(result.turn_codes) == others(machine.turn_codes)  # unreviewed: untouched
    pd.testing.assert_frame_equal(result.turn_scores, machine.turn_scores)  # machine kept


def test_when_code_added_then_it_sits_on_the_turns_best_segment_for_it():
    result = apply_review(_machine(), SEGS, CODES, _coding([("A", 1, TRUST)]), _turns([("A", 1)]))
    (row,) = (
        result.segment_codes[result.segment_codes.code_id.eq(TRUST)]
        .query("interview_id == 'A' and turn_index == 1")
        .itertuples()
    )
    assert row.evidence == ADDED and row.segment_id in {"A-0001-00", "A-0001-01"}
    assert result.stats["review"] == {
        "reviewed_turns": 1,
        "codes_kept": 0,
        "codes_rejected": 1,
        "codes_added": 1,
    }


def _review_xlsx(path, rows):
    import openpyxl

    from pipeline.evaluator_files.review import COLUMNS, SHEET

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append([row.get(c) for c in COLUMNS])
    wb.save(path)


def test_when_code_stage_given_a_review_sheet_then_its_decisions_are_the_codes(tmp_path):
    import numpy as np
    import yaml

    seg, emb = tmp_path / "segments.parquet", tmp_path / "embeddings.npy"
    SEGS.to_parquet(seg, index=False)
    np.save(emb, fake_encode(SEGS.text.tolist()))
    book = tmp_path / "codebook.yaml"
    book.write_text(yaml.safe_dump(BOOK.model_dump(exclude_none=True)))
    from pipeline.nonanalytic import GENERIC_UNCODED

    texts = [t for _, _, t in BOOK.material_items()] + list(GENERIC_UNCODED)
    vectors = tmp_path / "vectors.parquet"
    pd.DataFrame({"text": texts, "vector": list(fake_encode(texts))}).to_parquet(vectors)
    sheet = tmp_path / "review.xlsx"
    _review_xlsx(
        sheet,
        [
            {"interview_id": "A", "turn_index": 1, "codes": SHARING, "decision": "reject"},
            {"interview_id": "B", "turn_index": 3, "decision": "accept", "add_codes": TRUST},
        ],
    )
    names = ("sc.parquet", "tc.parquet", "th.csv", "m.json", "ts.parquet")
    out = {n: tmp_path / "out" / n for n in names}
    C.run_stage(
        None,
        seg,
        emb,
        book,
        human_path=None,
        segment_codes_path=out["sc.parquet"],
        turn_codes_path=out["tc.parquet"],
        thresholds_path=out["th.csv"],
        metrics_path=out["m.json"],
        codebook_vectors_path=vectors,
        review_path=sheet,
        turn_scores_path=out["ts.parquet"],
    )
    got = _codes(pd.read_parquet(out["tc.parquet"]))
    assert ("A", 1, SHARING) not in got and ("B", 3, TRUST) in got
    scores = pd.read_parquet(out["ts.parquet"])
    assert len(scores) == 6 * len(CODES)  # every turn x code, coded or not
    assert "human-coded turns" in pd.read_json(out["m.json"], typ="series")["calibration"]
