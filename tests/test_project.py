"""`qualeval init`: a self-contained evaluation project, and the one params story."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline import dvcfile, project, run
from pipeline.cli import app
from pipeline.codebook import load_codebook
from pipeline.evaluator_files.allow_list import read_allow_list
from pipeline.evaluator_files.decisions import Decisions, read_decisions
from pipeline.evaluator_files.register import load_register
from pipeline.ingest.metadata import read_metadata, validate_metadata
from pipeline.io import params_file
from pipeline.params import load_params
from pipeline.stages import STAGES

runner = CliRunner()
EXPECTED = [
    ".gitignore",
    "README.md",
    "anonymisation/allow_list.txt",
    "anonymisation/decisions.csv",
    "anonymisation/register.yaml",
    "codebook/codebook.yaml",
    "dvc.yaml",
    "evaluation/README.md",
    "metadata.csv",
    "notebooks/01_coding.ipynb",
    "params.yaml",
    "transcripts/README.md",
]


@pytest.fixture
def proj(tmp_path) -> Path:
    project.init_project(tmp_path / "eval", version="9.9.9")
    return tmp_path / "eval"


def test_when_init_then_every_project_file_is_written(proj):
    written = {p.relative_to(proj).as_posix() for p in proj.rglob("*") if p.is_file()}
    assert set(EXPECTED) <= written
    assert (proj / "private").is_dir() and (proj / "outputs").is_dir()
    assert "/private/" in (proj / ".gitignore").read_text().splitlines()


def test_when_init_then_notebooks_are_the_packaged_ones(proj):
    for nb in sorted(run.NOTEBOOKS_DIR.glob("*.ipynb")):
        assert (proj / "notebooks" / nb.name).read_bytes() == nb.read_bytes()


def test_when_init_then_params_validate_and_set_no_sample_only_input(proj):
    params = load_params(proj / "params.yaml")
    assert params.qualeval_version == "9.9.9"
    assert params.data.gold_pii is None and params.data.human_codes is None
    assert params.ingest.strict is True
    for field in ("transcripts_dir", "metadata", "register_file", "review_decisions", "allow_list"):
        path = getattr(params.data, field)
        assert not path.is_absolute() and (proj / path).exists(), field
    assert (proj / params.codebook.path).is_file()


def test_when_init_then_evaluator_templates_load_empty(proj):
    assert load_register(proj / "anonymisation/register.yaml") == []
    assert read_decisions(proj / "anonymisation/decisions.csv") == Decisions()
    assert not read_allow_list(proj / "anonymisation/allow_list.txt")
    assert len(load_codebook(proj / "codebook/codebook.yaml").codes) == 4
    meta = validate_metadata(read_metadata(proj / "metadata.csv"), "metadata.csv")
    assert len(meta) == 0  # the example row is a comment


def test_when_project_dvc_yaml_rendered_then_installed_commands_and_version_dep(proj):
    text = (proj / "dvc.yaml").read_text()
    stages = yaml.safe_load(text)["stages"]
    assert list(stages) == [s.name for s in STAGES]
    assert "pipeline/" not in text and "python -m" not in text and "gold" not in text.lower()
    params = yaml.safe_load((proj / "params.yaml").read_text())
    for stage in STAGES:
        block = stages[stage.name]
        assert block["cmd"].startswith(f"qualeval {stage.command} "), stage.name
        assert block["params"][0] == "qualeval_version"
        for key in block["params"]:  # every params dep exists in the project's params.yaml
            node = params
            for part in key.split("."):
                node = node[part]
    for ref in set(re.findall(r"\$\{([^}]+)\}", text)):  # every interpolation resolves
        node = params
        for part in ref.split("."):
            node = node[part]


def test_when_project_dvc_yaml_rendered_then_section_files_are_report_deps(proj):
    """An edited section file re-runs the report: its folder is a dep and exists after init."""
    stages = yaml.safe_load((proj / "dvc.yaml").read_text())["stages"]
    assert "evaluation" in stages["report"]["deps"]
    assert (proj / "evaluation").is_dir()
    for name, block in stages.items():  # every project-file dep exists right after init
        for dep in block.get("deps", []):
            if "${" not in dep and not dep.startswith(("outputs/", "private/")):
                assert (proj / dep).exists(), (name, dep)


def test_when_repository_dvc_yaml_rendered_then_unchanged_by_the_command_option():
    assert dvcfile.render() == dvcfile.render(command=None)
    assert dvcfile.render() == Path("dvc.yaml").read_text(encoding="utf-8")


INIT_CASES = [
    ("empty_folder_is_fine", [], [], 0, ""),
    ("non_empty_refused", ["notes.txt"], [], 2, "folder is not empty"),
    ("force_adds_missing_only", ["README.md"], ["--force"], 0, ""),
]


@pytest.mark.parametrize(
    ("case", "existing", "flags", "code", "message"), INIT_CASES, ids=[c[0] for c in INIT_CASES]
)
def test_when_init_into_a_folder_then_refuses_or_adds(
    tmp_path, case, existing, flags, code, message
):
    target = tmp_path / "eval"
    target.mkdir()
    for name in existing:
        (target / name).write_text("mine\n")
    res = runner.invoke(app, ["init", str(target), *flags])
    assert res.exit_code == code, res.output
    assert message in res.output
    for name in existing:
        assert (target / name).read_text() == "mine\n"  # never overwritten
    assert (target / "params.yaml").exists() == (code == 0)


def test_when_force_after_upgrade_then_only_the_version_line_changes(proj):
    params = proj / "params.yaml"
    params.write_text(params.read_text().replace("strict: true", "strict: false"))
    (proj / "dvc.yaml").unlink()
    written = project.init_project(proj, force=True, version="10.0.0")
    assert [p.name for p in written] == ["dvc.yaml"]
    after = load_params(params)
    assert after.qualeval_version == "10.0.0" and after.ingest.strict is False


PARAMS_FILE_CASES = [
    ("flag_wins", True, "other.yaml", "other.yaml"),
    ("local_params_yaml", True, None, "params.yaml"),
    ("no_file_defaults", False, None, None),
]


@pytest.mark.parametrize(
    ("case", "local", "given", "expected"), PARAMS_FILE_CASES, ids=[c[0] for c in PARAMS_FILE_CASES]
)
def test_when_command_starts_then_params_file_is_flag_else_local(
    tmp_path, monkeypatch, case, local, given, expected
):
    monkeypatch.chdir(tmp_path)
    if local:
        Path("params.yaml").write_text("{}\n")
    found = params_file(given)
    assert (None if found is None else found.as_posix()) == expected


def test_when_run_inputs_resolved_then_params_then_flags_and_log_names_only(
    proj, monkeypatch, caplog
):
    monkeypatch.chdir(proj)
    inputs = run.resolve_inputs(None, overrides={"allow_list": Path("/elsewhere/mine.txt")})
    assert inputs.params == Path("params.yaml")
    assert inputs.transcripts == Path("transcripts") and inputs.out == Path("outputs")
    assert inputs.private == (proj / "private").resolve()
    assert inputs.value("data.allow_list") == Path("/elsewhere/mine.txt")
    assert inputs.value("data.register_file") == Path("anonymisation/register.yaml")
    assert inputs.notebooks == Path("notebooks").resolve() or inputs.notebooks.name == "notebooks"
    with caplog.at_level(logging.INFO, logger="pipeline.run"):
        run._log_inputs(inputs)
    assert "params: params.yaml" in caplog.text
    assert "allow_list=mine.txt" in caplog.text and "/elsewhere" not in caplog.text
    assert "gold_pii=none" in caplog.text


def test_when_no_notebooks_folder_then_packaged_notebooks(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "NOTEBOOKS_DIR", tmp_path / "absent")
    assert run.notebooks_dir(tmp_path) == run.PACKAGED_NOTEBOOKS
    assert sorted(run.PACKAGED_NOTEBOOKS.glob("*.ipynb"))
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "x.ipynb").write_text("{}")
    assert run.notebooks_dir(tmp_path) == tmp_path / "notebooks"


STAGE_FILE_CASES = [
    ("unset_from_params", None, "mine/register.yaml"),
    ("flag_overrides_params", "flag.yaml", "flag.yaml"),
]


@pytest.mark.parametrize(
    ("case", "given", "expected"), STAGE_FILE_CASES, ids=[c[0] for c in STAGE_FILE_CASES]
)
def test_when_stage_command_leaves_an_evaluator_file_unset_then_params_yaml_names_it(
    tmp_path, monkeypatch, case, given, expected
):
    from pipeline.cli import _with_params_files
    from pipeline.stages import stage

    monkeypatch.chdir(tmp_path)
    Path("params.yaml").write_text("data:\n  register_file: mine/register.yaml\n")
    seen = {}
    wrapped = _with_params_files(stage("verify"), lambda **kw: seen.update(kw))
    wrapped(register=given, decisions=None, allow_list=None, params=None)
    assert str(seen["register"]) == expected
    assert seen["decisions"] is None and seen["allow_list"] is None
