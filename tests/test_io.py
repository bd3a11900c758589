"""Shared file helpers: reading another stage's table with a clear error."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import QualevalError
from pipeline.io import read_stage_table


@pytest.mark.parametrize(
    ("write", "columns", "message"),
    [
        (False, ("a",), r"t\.parquet: segments table not found; run the embed stage first"),
        (True, ("a", "zz"), r"t\.parquet: missing column\(s\) zz; .*Re-run the embed stage"),
    ],
)
def test_when_stage_table_missing_or_incomplete_then_error_names_file_and_fix(
    tmp_path, write, columns, message
):
    path = tmp_path / "t.parquet"
    if write:
        pd.DataFrame({"a": [1]}).to_parquet(path)
    with pytest.raises(QualevalError, match=message):
        read_stage_table(path, "segments table", columns, "the embed stage")


def test_when_stage_table_complete_then_read_whole():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.parquet"
        pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(path)
        df = read_stage_table(path, "t", ("a",), "the x stage")
    assert list(df.columns) == ["a", "b"] and len(df) == 2
