"""The verify stage's disclosure check of the commissioner pack: joins, cells, attributions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.verify.disclosure_check import check_pack
from pipeline.verify.stage import disclosure_message

INTERVIEWS = pd.DataFrame(
    {
        "interview_id": ["INT01", "INT02", "INT03", "INT04", "INT05", "INT06", "INT07"],
        "role": ["Regional programme manager", "Lead DCS", "Lead DCS", "Lead DCS"]
        + ["Lead member"] * 3,
        "region": ["East of England", "London", "London", "London"] + ["North West"] * 3,
    }
)
SEGMENTS = pd.DataFrame(
    {"segment_id": ["INT01-0003-04", "INT02-0001-00"], "interview_id": ["INT01", "INT02"]}
)
QUOTE = "We learnt more from the visit than from any report."


def _pack(tmp_path: Path, files: dict[str, str]) -> Path:
    pack = tmp_path / "report"
    for rel, text in files.items():
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text(text, encoding="utf-8")
    return pack


def _check(pack: Path):
    return check_pack(
        pack,
        k=3,
        k_attribution=3,
        attribution=["role", "region"],
        interviews=INTERVIEWS,
        segments=SEGMENTS,
    )


SAFE_SAMPLE = "Role,London,North West,Total\nLead DCS,3,0,3\nLead member,0,3,3\nTotal,3,3,6\n"


@pytest.mark.parametrize(
    ("files", "where"),
    [
        # the join attack: a quote beside its segment id, whose interview the researcher
        # pack files under East of England (one regional programme manager there)
        (
            {
                "tables/quotes_bank.csv": f"quote,attribution,segment_id\n{QUOTE},Interviewee,"
                "INT01-0003-04\n"
            },
            "tables/quotes_bank.csv: row '(any)', column '(any)': names 1 segment/interview",
        ),
        (
            {"report.md": f"> {QUOTE}\n> — Regional programme manager (INT01)\n"},
            "report.md: row '(any)'",
        ),
        # an attribution only one person has
        (
            {
                "tables/quotes_bank.csv": f"quote,attribution\n{QUOTE},"
                '"Regional programme manager, East of England"\n'
            },
            "tables/quotes_bank.csv: row '1', column 'attribution': 'Regional programme "
            "manager, East of England' is shared by 1, under 3",
        ),
        # the totals attack: "<3" beside a total that gives it
        (
            {
                "tables/sample_by_region.csv": "Role,London,North West,Total\n"
                "Lead DCS,3,<3,4\nLead member,0,3,3\nTotal,3,4,7\n"
            },
            "tables/sample_by_region.csv: row 'Lead DCS', column 'North West': suppressed, "
            "but the totals give it as 1",
        ),
        # a margin hidden in the sample profile but published as a group size elsewhere
        (
            {
                "tables/sample_by_region.csv": "Role,London,North West,Total\n"
                "Lead DCS,3,<3,[c]\nLead member,0,3,3\nTotal,3,4,7\n",
                "tables/crosstab_role.csv": "code_id,All (n=7),Lead DCS (n=4),Lead member (n=3)\n"
                "benefit,7,4,3\n",
            },
            "tables/sample_by_region.csv: row 'Lead DCS', column 'North West': suppressed, "
            "but the totals give it as 1",
        ),
        # a crosstab printing 1 for a group of 3
        (
            {
                "tables/crosstab_role.csv": "code_id,All (n=7),Lead DCS (n=4),Lead member (n=3)\n"
                "benefit.time,5,4,1\n"
            },
            "tables/crosstab_role.csv: row 'benefit.time', column 'Lead member (n=3)': "
            "a count of 1, under 3",
        ),
        # a chart's series with a small cell
        (
            {
                "plots/group_prevalence.csv": "label,theme,group,interviews,of,percent\n"
                "Benefits — Lead member,Benefits,Lead member,2,3,66.7\n"
            },
            "plots/group_prevalence.csv: row 'Benefits — Lead member', column 'interviews'",
        ),
    ],
)
def test_when_pack_built_to_break_the_rule_then_check_fails_naming_file_and_cell(
    tmp_path, files, where
):
    found = _check(_pack(tmp_path, files))
    assert found.violations, files
    assert any(str(v).startswith(where) for v in found.violations), found.violations
    message = disclosure_message(found, tmp_path / "verify_report.csv")
    assert where.split(":")[0] in message and "disclosure check failed" in message
    assert found.metrics()["passed"] is False


def test_when_pack_keeps_the_rule_then_check_passes(tmp_path):
    files = {
        "tables/sample_by_region.csv": SAFE_SAMPLE,
        "tables/crosstab_role.csv": "code_id,All (n=7),Lead DCS (n=3),Lead member (n=3)\n"
        "benefit,6,3,3\nbenefit.time,3,<3,<3\n",
        "tables/quotes_bank.csv": f"quote,attribution\n{QUOTE},Lead DCS\n{QUOTE},Interviewee\n",
        "report.md": f"# Report\n\n> {QUOTE}\n> — Lead member, North West\n",
    }
    found = _check(_pack(tmp_path, files))
    assert found.violations == []
    m = found.metrics()
    assert (m["files"], m["tables"], m["attributions"]) == (4, 3, 1)
    assert m["cells"] == 9 + 6 and m["passed"] is True
