"""Guards that keep the shape: rooms with one door, one-way data flow, one source of facts."""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import catalogue, dvcfile
from pipeline.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]
STAGE_MODULES = {s.module for s in STAGES}
# modules every stage may use: none of them imports a stage
SHARED = {
    "pipeline.catalogue",
    "pipeline.codebook",
    "pipeline.encoder",
    "pipeline.entry",
    "pipeline.errors",
    "pipeline.io",
    "pipeline.keyfile",
    "pipeline.params",
    "pipeline.refi",
}


def _stage_of(module: str) -> str | None:
    return next((m for m in STAGE_MODULES if module == m or module.startswith(m + ".")), None)


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_when_import_graph_built_then_it_has_no_cycle():
    assert _cycles(dvcfile.import_graph()) == []


def test_when_cycle_planted_then_the_cycle_check_finds_it():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_when_stage_imports_resolved_then_no_other_stage_is_reached(stage):
    reached = {_stage_of(m) for m in dvcfile.closure(stage.module)} - {None, stage.module}
    assert reached == set(), f"{stage.module} imports the stage(s) {sorted(reached)}"


@pytest.mark.parametrize("module", sorted(SHARED))
def test_when_shared_module_imports_resolved_then_no_stage_is_reached(module):
    reached = {_stage_of(m) for m in dvcfile.closure(module)} - {None}
    assert reached == set(), f"{module} imports the stage(s) {sorted(reached)}"


def test_when_dvc_yaml_compared_with_the_stage_table_then_identical():
    committed = (ROOT / "dvc.yaml").read_text(encoding="utf-8")
    assert committed == dvcfile.render(), "dvc.yaml is stale: run `python -m pipeline.dvcfile`"


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_when_stage_deps_listed_then_they_cover_its_import_closure(stage):
    deps = set(dvcfile.code_deps(stage))
    for module in dvcfile.closure(stage.module):
        path = dvcfile.module_file(module).relative_to(ROOT).as_posix()
        assert any(path == d or path.startswith(d + "/") for d in deps), (module, deps)


def test_when_notebooks_import_pipeline_modules_then_the_notebooks_stage_depends_on_them():
    stage = next(s for s in STAGES if "notebooks" in s.extra_deps)
    deps = set(dvcfile.code_deps(stage))
    imported = dvcfile.notebook_modules()
    assert "pipeline.notebook_display" in imported and "pipeline.text" in imported
    for module in imported:
        path = dvcfile.module_file(module).relative_to(ROOT).as_posix()
        assert any(path == d or path.startswith(d + "/") for d in deps), (module, deps)


def test_when_notebook_cell_has_magics_then_its_imports_are_still_read(tmp_path):
    source = ["%matplotlib inline\n", "from pipeline.text import x\n"]
    cell = {"cell_type": "code", "source": source}
    bad = {"cell_type": "code", "source": ["def (:\n"]}
    (tmp_path / "a.ipynb").write_text(json.dumps({"cells": [cell, bad]}), encoding="utf-8")
    assert dvcfile.notebook_modules(tmp_path) == {"pipeline.text"}


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_when_stage_main_inspected_then_it_takes_every_option_of_the_table(stage):
    signature = inspect.signature(stage.main())
    options = [opt for opt, _ in stage.options]
    assert set(options) <= set(signature.parameters), stage.name
    required = {
        name
        for name, p in signature.parameters.items()
        if getattr(p.default, "default", p.default) is Ellipsis
    }
    assert required <= set(options), f"{stage.name}: table misses {required - set(options)}"


def test_when_cli_built_then_one_command_per_stage_plus_run():
    from pipeline.cli import app

    names = {c.name for c in app.registered_commands}
    assert names == {s.command for s in STAGES} | {
        "run",
        "init",
        "compare-coders",
        "import-qdpx",
        "codebook-import",
        "codebook-export",
    }


def test_when_stage_table_read_then_every_artefact_has_one_writer_in_the_table():
    names = {s.name for s in STAGES}
    assert {a.writer for a in catalogue.ARTEFACTS} <= names
    paths = [a.repo_path for a in catalogue.ARTEFACTS]
    assert len(paths) == len(set(paths))


def test_when_stages_run_in_order_then_every_input_was_written_before():
    written: set[str] = set()
    for stage in STAGES:
        missing = {a.key for a in stage.inputs()} - written
        assert not missing, f"{stage.name} reads {missing} before any stage writes them"
        written |= {a.key for a in stage.outputs()}


def _contract_sections() -> dict[str, str]:
    """``repo path -> text of its section`` in docs/data-contracts.md."""
    text = (ROOT / "docs" / "data-contracts.md").read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for block in re.split(r"\n(?=#{2,3} )", text):
        for path in re.findall(r"^#{2,3} .*?`([^`]+)`", block, flags=re.M)[:1]:
            sections[path] = block
    return sections


@pytest.mark.parametrize("artefact", catalogue.ARTEFACTS, ids=lambda a: a.key)
def test_when_data_contracts_read_then_each_artefact_and_column_is_documented(artefact):
    sections = _contract_sections()
    section = sections.get(artefact.repo_path)
    if section is None:  # a section may cover several files ("outputs/tables/*.csv")
        section = next(
            (t for p, t in sections.items() if fnmatch.fnmatch(artefact.repo_path, p)), None
        )
    if section is None:
        section = next((t for t in sections.values() if artefact.repo_path in t), None)
    assert section is not None, f"docs/data-contracts.md: no section for {artefact.repo_path}"
    missing = [c for c in artefact.columns if f"`{c}`" not in section]
    assert not missing, f"{artefact.repo_path}: columns not documented: {missing}"


def _third_party_imports() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "pipeline"}


def _declared() -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # an optional feature's extra (engine: dask) counts; the dev tools do not
    extras = project.get("optional-dependencies", {})
    runtime = [d for name, deps in extras.items() if name != "dev" for d in deps]
    return {
        re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower()
        for d in [*project["dependencies"], *runtime]
    }


def test_when_pipeline_imports_listed_then_each_is_a_declared_dependency():
    dists = importlib.metadata.packages_distributions()
    declared = {d.replace("_", "-") for d in _declared()}
    undeclared = {}
    for name in sorted(_third_party_imports()):
        owners = {d.lower().replace("_", "-") for d in dists.get(name, [name])}
        if not owners & declared:
            undeclared[name] = sorted(owners)
    assert undeclared == {}, f"imported but not in pyproject.toml dependencies: {undeclared}"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "pipeline", "tests", "tools", "benchmarks"],
        ["format", "--check", "pipeline", "tests", "tools", "benchmarks"],
    ],
    ids=["lint", "format"],
)
def test_when_ruff_runs_then_the_tree_is_clean(args):
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


def test_when_makefile_lint_fails_then_make_lint_fails():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "|| true" not in lint and "ruff format --check" in lint and "ruff check" in lint


MAX_FUNCTION_LINES = 60


def _long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    return found


def test_when_functions_measured_then_none_is_over_the_limit():
    assert _long_functions(ROOT / "pipeline", MAX_FUNCTION_LINES) == []


def test_when_a_long_function_is_planted_then_the_size_check_finds_it(tmp_path, monkeypatch):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "big.py").write_text(f"def big():\n{body}\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert [f.split()[1] for f in _long_functions(tmp_path, MAX_FUNCTION_LINES)] == ["big"]


@pytest.mark.parametrize(
    ("schema", "key"), [("TURN_SCHEMA", "turns_raw"), ("PREAMBLE_SCHEMA", "preamble")]
)
def test_when_ingest_schemas_read_then_they_match_the_catalogue(schema, key):
    from pipeline.ingest import tables

    arrow = getattr(tables, schema)
    assert tuple(arrow.names) == catalogue.columns(key)
    kinds = {"string": "string", "int32": "int32", "double": "float64", "int64": "int64"}
    assert tuple(kinds[str(t)] for t in arrow.types) == catalogue.artefact(key).dtypes
