"""Installed means usable anywhere: shipped data is found from the package, not the cwd."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import tomllib

from pipeline.recognisers.ner import PACKAGE_DIR, resolve_model

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = PACKAGE_DIR / "models" / "ner_en_qualeval"


def _package_globs() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["setuptools"]["package-data"]["pipeline"]


def test_when_package_scanned_then_every_data_file_is_declared_package_data():
    globs = _package_globs()
    data = [
        p.relative_to(PACKAGE_DIR).as_posix()
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert "models/ner_en_qualeval/meta.json" in data
    assert "evaluator_files/data/default_allow_list.txt" in data
    missing = [f for f in data if not any(fnmatch.fnmatchcase(f, g) for g in globs)]
    assert missing == [], f"not shipped (add to [tool.setuptools.package-data]): {missing}"


@pytest.mark.parametrize(
    ("name", "in_cwd", "expected"),
    [
        # the default spelling, from a folder that is not the repository: the package's model
        ("pipeline/models/ner_en_qualeval", False, SHIPPED_MODEL),
        # the older spelling resolves inside the package
        ("models/ner_en_qualeval", False, SHIPPED_MODEL),
        # a folder of that name in the current folder wins (a user's own retrained model)
        ("models/ner_en_qualeval", True, Path("models/ner_en_qualeval")),
        # an installed spaCy package name is left for spaCy
        ("en_core_web_lg", False, Path("en_core_web_lg")),
        # a missing folder stays as given (the loader then names it in its error)
        ("my_models/none", False, Path("my_models/none")),
    ],
)
def test_when_ner_model_resolved_from_another_folder_then_package_model_is_found(
    tmp_path, monkeypatch, name, in_cwd, expected
):
    monkeypatch.chdir(tmp_path)
    if in_cwd:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "meta.json").write_text("{}", encoding="utf-8")
    assert resolve_model(name) == expected


def _corpus(folder: Path) -> None:
    """Two tiny interviews of another programme, with national terms and local names."""
    (folder / "transcripts").mkdir(parents=True)
    texts = {
        "A01.txt": "Interviewer: How did the hub start?\nRespondent: Ofsted and the DfE "
        "visited in the East Midlands. I rang Priya Sharma at Wigan Council about it.\n",
        "A02.txt": "Interviewer: And the offer?\nRespondent: We use Teams and WhatsApp with "
        "parents; the health visitor from the NHS joined us in London.\n",
    }
    for name, text in texts.items():
        (folder / "transcripts" / name).write_text(text, encoding="utf-8")
    (folder / "metadata.csv").write_text(
        "interview_id,file,role\nA01,A01.txt,manager\nA02,A02.txt,manager\n", encoding="utf-8"
    )
    # ingest reads ./params.yaml by default: a file with no settings (all built-in defaults)
    (folder / "params.yaml").write_text("# built-in defaults only\n", encoding="utf-8")


def _stage(args: list[str], cwd: Path, pythonpath: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _install(tmp_path: Path, how: str) -> Path:
    """Where ``pipeline`` is imported from: the checkout, or a wheel built and installed."""
    if how == "checkout":
        return ROOT
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "-q"]
    build = ["wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(wheels)]
    subprocess.run([*pip, *build], check=True, capture_output=True, cwd=tmp_path)
    wheel = next(wheels.glob("qualeval-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


@pytest.mark.slow
@pytest.mark.parametrize("how", ["checkout", "wheel"])
def test_when_stages_run_outside_the_repository_then_defaults_and_model_are_found(tmp_path, how):
    pythonpath = _install(tmp_path, how)
    work = tmp_path / "evaluation"
    _corpus(work)
    where = subprocess.run(
        [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(pythonpath)
    ingest = ["pipeline.ingest", "--transcripts", "transcripts", "--metadata", "metadata.csv"]
    ingest += ["--turns", "private/turns.parquet", "--preamble", "private/preamble.parquet"]
    ingest += ["--interviews", "private/interviews.parquet", "--rejects", "private/rej.csv"]
    _stage([*ingest, "--metrics", "outputs/metrics/ingest.json"], work, pythonpath)
    anon = ["pipeline.anonymise", "--turns", "private/turns.parquet"]
    anon += ["--interviews", "private/interviews.parquet"]
    anon += ["--out-turns", "outputs/anonymised/turns.parquet"]
    anon += ["--out-interviews", "outputs/anonymised/interviews.parquet"]
    anon += ["--key", "private/key.json", "--review", "private/review.csv"]
    anon += ["--mentions", "private/mentions.parquet", "--metrics", "outputs/metrics/a.json"]
    _stage(anon, work, pythonpath)
    verify = ["pipeline.verify", "--outputs", "outputs", "--key", "private/key.json"]
    verify += ["--report", "private/verify.csv", "--metrics", "outputs/metrics/verify.json"]
    _stage(verify, work, pythonpath)

    text = " ".join(pd.read_parquet(work / "outputs/anonymised/turns.parquet")["text"])
    for kept in ("Ofsted", "DfE", "East Midlands", "Teams", "WhatsApp", "NHS", "London"):
        assert kept in text, kept
    for removed in ("Priya", "Sharma", "Wigan"):
        assert removed not in text, removed
    assert json.loads((work / "outputs/metrics/verify.json").read_text())["passed"] is True
    assert not (work / "pipeline").exists()
