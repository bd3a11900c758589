"""``dvc.yaml`` written from the stage table, with code deps from the real import graph.

A stage's code dependencies are the import closure of its module inside ``pipeline`` (lazy
imports in function bodies included), so editing any module a stage runs re-runs it, and
nothing else does. A module inside a sub-package (``pipeline/recognisers/...``) counts as its
whole sub-package folder. ``python -m pipeline.dvcfile`` rewrites ``dvc.yaml``; a test checks
that the committed file is what this module writes.
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path

from pipeline import catalogue
from pipeline.stages import STAGES, Stage

PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PACKAGE_DIR.parent / "notebooks"
HEADER = """\
# Generated from pipeline/stages.py and pipeline/catalogue.py by `python -m pipeline.dvcfile`:
# edit those, not this file (a test checks the two agree). Paths live in the catalogue;
# settings live in params.yaml. Raw-derived data go to private/ (git-ignored, not cached,
# never pushed); only shareable files go to outputs/.
"""


def module_file(name: str) -> Path | None:
    """The source file of module ``name`` inside ``pipeline``, or ``None`` if there is none."""
    parts = name.split(".")
    if parts[0] != "pipeline":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(tree: ast.AST, current: str, is_package: bool) -> set[str]:
    """Every ``pipeline`` module named by an import anywhere in ``tree``."""
    found: set[str] = set()
    package = current if is_package else current.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {n for n in found if n.split(".")[0] == "pipeline" and module_file(n)}


@functools.lru_cache(maxsize=1)
def import_graph() -> dict[str, frozenset[str]]:
    """``module -> modules it imports`` for every module of the ``pipeline`` package."""
    graph: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        name = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _imported_names(tree, name, path.name == "__init__.py")
        # importing a submodule runs its parents' __init__ too (not counted for a module of
        # that same package, whose parent is already being imported)
        parents = {".".join(n.split(".")[:k]) for n in names for k in range(2, n.count(".") + 1)}
        parents = {p for p in parents if not name.startswith(p + ".")}
        graph[name] = frozenset((names | parents) - {name, "pipeline"})
    return graph


def closure(module: str) -> set[str]:
    """``module`` and every ``pipeline`` module it imports, directly or not."""
    graph = import_graph()
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(graph.get(name, ()))
        for sub in graph:  # a package's closure includes its own submodules
            if sub.startswith(name + ".") and module == name:
                todo.append(sub)
    return seen


def notebook_modules(folder: Path = NOTEBOOKS_DIR) -> set[str]:
    """Every ``pipeline`` module the code cells of the notebooks in ``folder`` import."""
    found: set[str] = set()
    for path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            # IPython's magics and shell lines are not Python
            lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines), filename=str(path))
            except SyntaxError:
                continue
            found |= _imported_names(tree, "notebook", False)
    return found


def code_deps(stage: Stage) -> list[str]:
    """The repository paths a stage's code depends on (folders for sub-packages).

    A stage that runs the notebooks also depends on the modules their cells import.
    """
    deps = set()
    modules = closure(stage.module)
    if "notebooks" in stage.extra_deps:
        for name in sorted(notebook_modules()):
            modules |= closure(name)
    for name in modules:
        parts = name.split(".")
        if len(parts) >= 3 or module_file(name).name == "__init__.py":
            deps.add("pipeline/" + parts[1])
        elif len(parts) == 2:
            deps.add(f"pipeline/{parts[1]}.py")
    return sorted(deps)


def _source_value(source: str) -> str:
    if source.startswith("@"):
        return catalogue.artefact(source[1:]).repo_path
    if source.startswith("data."):
        return "${" + source + "}"
    return {
        "codebook": "${codebook.path}",
        "params": "params.yaml",
        "outputs": "outputs",
        "private": "private",
        "notebooks": "notebooks",
    }[source]


# evaluator files a project may leave unset (null): options and params deps, not file deps
OPTIONAL_DATA = ("data.human_codes", "data.review", "data.gold_pii", "data.human_stance")
# evaluator files the sample leaves unset: in its dvc.yaml a params dep, not a file dep
UNSET_IN_SAMPLE = ("data.review",)
# sample-only inputs and what only they produce: never in an evaluation project's dvc.yaml
SAMPLE_ONLY = ("data.gold_pii", "@anonymisation_gold_leaks")
# project files a stage depends on (the rest of ``extra_deps`` is the installed package's)
PROJECT_EXTRA_DEPS = ("notebooks", "evaluation")
# folders only a project made by ``qualeval init`` has (``data.surveys_dir``)
PROJECT_ONLY_DEPS = {"ingest": ("surveys",), "code": ("review",), "compare": ("review",)}
# settings a project's stage re-runs on besides its own block (how its cases are read)
PROJECT_ONLY_PARAMS = {
    "ingest": ("data.surveys", "data.surveys_dir", "data.participants", "data.withdrawals")
}
# the params key ``qualeval init`` writes: project stages re-run when qualeval is upgraded
VERSION_PARAM = "qualeval_version"


def command(stage: Stage, program: str | None = None) -> list[str]:
    """The stage's command line, one option per item after the first.

    ``program`` is the installed command (``qualeval``) for an evaluation project made by
    ``qualeval init``; ``None`` runs the checkout's module (``python -m pipeline...``).
    """
    options = stage.options
    if program is not None:  # sample-only inputs are never passed in a project
        options = tuple((opt, src) for opt, src in options if src not in SAMPLE_ONLY)
    opts = [f"--{opt.replace('_', '-')} {_source_value(src)}" for opt, src in options]
    head = f"python -m {stage.module}" if program is None else f"{program} {stage.command}"
    return [head, *opts]


def data_deps(stage: Stage, project: bool = False) -> list[str]:
    """Evaluator files, the codebook and earlier stages' artefacts the stage reads."""
    data = [src for _, src in stage.options if src.startswith("data.")]
    data = [src for src in data if src not in (OPTIONAL_DATA if project else UNSET_IN_SAMPLE)]
    deps = [_source_value(src) for _, src in stage.options if src in ("codebook",)]
    deps += [_source_value(src) for src in data]
    deps += [a.repo_path for a in stage.inputs() if a.tracked]
    return list(dict.fromkeys(deps))


def _dep_lines(stage: Stage, program: str | None) -> list[str]:
    if program is None:
        deps = code_deps(stage) + list(stage.extra_deps) + data_deps(stage)
    else:  # the code is the installed qualeval: its version is a params dep instead
        extra = [d for d in stage.extra_deps if d in PROJECT_EXTRA_DEPS]
        extra += list(PROJECT_ONLY_DEPS.get(stage.name, ()))
        deps = extra + data_deps(stage, project=True)
    return ["    deps:", *[f"      - {d}" for d in dict.fromkeys(deps)]]


def _param_lines(stage: Stage, program: str | None) -> list[str]:
    params = list(stage.params)
    params += [s for _, s in stage.options if s in UNSET_IN_SAMPLE and program is None]
    if program is not None:  # whole blocks: a project's params.yaml sets only a few keys
        optional = [s for _, s in stage.options if s in OPTIONAL_DATA and s != "data.gold_pii"]
        blocks = [p.split(".")[0] for p in params]
        extra = PROJECT_ONLY_PARAMS.get(stage.name, ())
        params = list(dict.fromkeys([VERSION_PARAM, *blocks, *optional, *extra]))
    return ["    params:", *[f"      - {p}" for p in params]] if params else []


# how ``dvc plots`` draws each plots artefact (one bar per row, percent along the x axis)
PLOT_PROPS = ("          x: percent", "          y: label", "          template: bar_horizontal")


def _out_lines(artefact: catalogue.Artefact) -> list[str]:
    if artefact.kind == "plots":
        return [f"      - {artefact.repo_path}:", *PLOT_PROPS]
    if artefact.area == "private" or artefact.kind == "metrics":
        return [f"      - {artefact.repo_path}:", "          cache: false"]
    return [f"      - {artefact.repo_path}"]


def render_stage(stage: Stage, program: str | None = None) -> list[str]:
    """The lines of one stage's block (``program``: see :func:`command`)."""
    lines = [f"  # {stage.note}"] if stage.note else []
    lines += [f"  {stage.name}:", "    cmd: >-"]
    lines += [f"      {part}" for part in command(stage, program)]
    if stage.always_changed:
        lines.append("    always_changed: true")
    lines += _dep_lines(stage, program)
    lines += _param_lines(stage, program)
    outs = [a for a in stage.outputs() if a.tracked and a.kind not in ("metrics", "plots")]
    if program is not None:
        outs = [a for a in outs if f"@{a.key}" not in SAMPLE_ONLY]
    metrics = [a for a in stage.outputs() if a.kind == "metrics"]
    if outs:
        lines += ["    outs:", *[line for a in outs for line in _out_lines(a)]]
    if metrics:
        lines += ["    metrics:", *[line for a in metrics for line in _out_lines(a)]]
    plots = [a for a in stage.outputs() if a.kind == "plots"]
    if plots:
        lines += ["    plots:", *[line for a in plots for line in _out_lines(a)]]
    return lines


PROJECT_HEADER = """\
# Written by `qualeval init` from the stage table of the installed qualeval: every stage calls
# the installed `qualeval <stage>` command. Settings live in params.yaml; `qualeval_version`
# there is a dependency of every stage, so upgrading qualeval (and re-running init) re-runs
# them. Raw-derived data go to private/ (git-ignored, not cached); only shareable files go
# to outputs/.
"""


def render(command: str | None = None) -> str:
    """The whole ``dvc.yaml``.

    Args:
        command: ``None`` for this repository's own file (``python -m`` each stage module,
            code deps on ``pipeline/``); a program name such as ``"qualeval"`` for an
            evaluation project (the installed commands, a version param instead of code deps).
    """
    blocks = ["\n".join(render_stage(s, command)) for s in STAGES]
    header = HEADER if command is None else PROJECT_HEADER
    return header + "stages:\n" + "\n\n".join(blocks) + "\n"


def main() -> None:
    """Rewrite ``dvc.yaml`` in the current folder."""
    Path("dvc.yaml").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
