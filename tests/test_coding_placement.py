"""Code stage placement: segment codes rolled up per turn."""

from __future__ import annotations

import pandas as pd

from pipeline.coding import placement as C


def test_when_segment_codes_rolled_up_then_one_row_per_turn_and_code():
    seg = pd.DataFrame(
        [
            ("A", 1, "A-0001-00", 0, 5, "x", 0.5, "semantic", "nearest definition"),
            ("A", 1, "A-0001-01", 6, 9, "x", 0.7, "keyword", "keyword: share"),
            ("A", 2, "A-0002-00", 0, 5, "y", 0.6, "semantic", ""),
        ],
        columns=list(C.SEGMENT_CODE_COLUMNS),
    )
    out = C.rollup(seg)
    assert out.to_dict("records") == [
        {
            "interview_id": "A",
            "turn_index": 1,
            "code_id": "x",
            "score": 0.7,
            "n_segments": 2,
            "methods": "keyword|semantic",
            "evidence": "keyword: share",
        },
        {
            "interview_id": "A",
            "turn_index": 2,
            "code_id": "y",
            "score": 0.6,
            "n_segments": 1,
            "methods": "semantic",
            "evidence": "",
        },
    ]
