"""README "Your own evaluation", followed literally in a folder outside the repository.

``qualeval init``, two tiny transcripts of a programme other than the sample, their metadata,
a small codebook of its own and a register, then ``qualeval run`` (cwd: the project) and, in a
second test, ``dvc repro``: both must pass the leak gate. Slow: they load the models.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from conftest import dvc as _dvc

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _this_checkout(monkeypatch):
    """Run this checkout's ``pipeline`` (the ``qualeval`` script may belong to another)."""
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), path) if p))


BIN = Path(sys.executable).parent
TRANSCRIPTS = {
    "HO01.txt": (
        "Interviewer: Thanks for joining. How has the family hub changed things for parents?\n"
        "Respondent: Parents get help much sooner now. Priya Shah runs the drop-in on "
        "Tuesdays and families say the waiting is far shorter than before.\n"
        "Interviewer: What has been difficult?\n"
        "Respondent: Funding came late, so planning the sessions was really difficult and we "
        "lacked the staff to open every day.\n"
    ),
    "HO02.txt": (
        "Interviewer: What worked well in the programme?\n"
        "Respondent: Working alongside the health visitors made referrals smoother. Tom "
        "Okafor set up a shared list and parents are seen a lot sooner.\n"
        "Interviewer: And the challenges?\n"
        "Respondent: Capacity, mostly. We did not have enough staff and the funding was "
        "uncertain for the whole year.\n"
    ),
}
METADATA = (
    "interview_id,file,role,region,interviewer,interviewee\n"
    "HO01,HO01.txt,Hub manager,North,Sam Rivers,Alex Jones\n"
    "HO02,HO02.txt,Health visitor,South,Sam Rivers,Jo Patel\n"
)
CODEBOOK = """\
name: Family hubs codebook
version: "1"
codes:
  - id: access
    label: Access to help
    definition: Families get help sooner or more easily because of the hub.
    examples: ["Parents are seen much sooner than before.", "The drop-in means no waiting."]
    keywords: [sooner, drop-in]
  - id: resources
    label: Resources
    definition: Funding, staff and capacity problems in running the hub.
    examples: ["We did not have the staff.", "The funding came late and was uncertain."]
    keywords: [funding, staff, capacity]
"""
REGISTER = """\
entities:
  - {type: person, name: Priya Shah, aliases: [Priya]}
  - {type: person, name: Tom Okafor, aliases: [Tom]}
"""
NAMES = ("Priya", "Shah", "Okafor", "Alex Jones", "Jo Patel", "Sam Rivers")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the installed `qualeval`
    env.update(DVC_NO_ANALYTICS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def _qualeval(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "qualeval"), *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


def _follow_the_readme(tmp_path: Path) -> Path:
    """Steps 2-5 of the README: init, transcripts, metadata, codebook, register (no params edit)."""
    proc = _qualeval(tmp_path, "init", "my-evaluation")
    assert proc.returncode == 0, proc.stderr
    proj = tmp_path / "my-evaluation"
    for name, text in TRANSCRIPTS.items():
        (proj / "transcripts" / name).write_text(text, encoding="utf-8")
    (proj / "metadata.csv").write_text(METADATA, encoding="utf-8")
    (proj / "codebook" / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (proj / "anonymisation" / "register.yaml").write_text(REGISTER, encoding="utf-8")
    return proj


def _assert_gate_passed(proj: Path) -> None:
    verify = json.loads((proj / "outputs" / "metrics" / "verify.json").read_text())
    assert verify["passed"] is True, verify
    ingest = json.loads((proj / "outputs" / "metrics" / "ingest.json").read_text())
    assert ingest["interviews"] == 2 and ingest["excluded_by_reason"] == {}
    report = (proj / "outputs" / "report" / "report.md").read_text(encoding="utf-8")
    assert "Family hubs codebook" in report
    for f in (proj / "outputs").rglob("*"):
        if f.is_file() and f.suffix in (".md", ".csv", ".html", ".json"):
            text = f.read_text(encoding="utf-8", errors="ignore")
            # whole words: plotly's bundled JavaScript holds "Shahrivar" (a month name)
            assert not [n for n in NAMES if re.search(rf"\b{n}\b", text)], f
    assert (proj / "private" / "anonymisation_key.json").is_file()


def test_when_readme_followed_with_qualeval_run_then_leak_gate_passes(tmp_path):
    proj = _follow_the_readme(tmp_path)
    proc = _qualeval(proj, "run")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "params: params.yaml" in proc.stderr
    assert "register_file=register.yaml" in proc.stderr and "gold_pii=none" in proc.stderr
    _assert_gate_passed(proj)
    assert sorted(p.name for p in (proj / "outputs" / "notebooks").glob("*.html"))


def test_when_readme_followed_with_dvc_repro_then_leak_gate_passes(tmp_path):
    proj = _follow_the_readme(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
    for args in (("init", "-q"), ("repro",)):
        proc = _dvc(proj, *args)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    _assert_gate_passed(proj)
    status = _dvc(proj, "status")
    # up to date: only the leak gate (always_changed) is listed
    assert "changed deps" not in status.stdout and "changed outs" not in status.stdout
    assert "ingest:" not in status.stdout and "report:" not in status.stdout, status.stdout
