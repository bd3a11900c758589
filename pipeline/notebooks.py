"""Notebooks stage: execute the researcher notebooks headless and render HTML copies.

Every ``notebooks/*.ipynb`` is executed with nbclient in its own folder (so notebooks read
``../outputs/...``), with the project root on ``PYTHONPATH`` so ``import pipeline`` finds this
checkout, and rendered with nbconvert's ``HTMLExporter`` into ``outputs/notebooks/<name>.html``.
The notebooks in git keep no outputs; the executed copies are never written back.

Rendering is made as reproducible as nbconvert allows: no execution timings, cells numbered in
order, images embedded, kernel metadata fixed. A notebook that fails stops the stage with a
:class:`~pipeline.errors.QualevalError` naming the notebook, the cell and the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from pipeline.errors import QualevalError
from pipeline.forked import available_cores
from pipeline.io import atomic_files, write_json
from pipeline.lazy_imports import defer_iri_grammar

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600
#: seconds a kernel may take to start: a kernel is a Python process importing pandas and
#: plotly, and on a busy 2-core machine (several kernels at once, a test suite beside them)
#: nbclient's 60 s default was seen to run out
STARTUP_TIMEOUT = 300
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# a warning printed by a cell names the kernel's temporary file, whose name holds its process
# id: made stable so identical runs render identical pages
_KERNEL_FILE = re.compile(r"(/tmp/)?ipykernel_\d+/\d+\.py")


@contextlib.contextmanager
def _kernel_environment(root: Path, folders: dict[str, Path]) -> Iterator[None]:
    """Put ``root`` first on ``PYTHONPATH`` and name the run's folders for kernels in the block.

    The notebooks read ``QUALEVAL_OUTPUTS`` and ``QUALEVAL_PRIVATE`` (falling back to
    ``../outputs`` and ``../private``), so they work on any evaluation's folders.
    """
    old = {name: os.environ.get(name) for name in ("PYTHONPATH", *folders)}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), old["PYTHONPATH"]) if p)
    for name, folder in folders.items():
        os.environ[name] = str(Path(folder).resolve())
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _cell_of(nb: Any, exc: Exception) -> tuple[int, str]:
    """(1-based index among code cells, first source line) of the cell that failed."""
    failed = getattr(exc, "cell_index", None)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if failed is None:
        for i in code_cells:
            outs = nb.cells[i].get("outputs", [])
            if any(o.get("output_type") == "error" for o in outs):
                failed = i
                break
    if failed is None:
        return 0, ""
    src = nb.cells[failed].source.strip().splitlines()
    return code_cells.index(failed) + 1 if failed in code_cells else failed + 1, (
        src[0][:80] if src else ""
    )


def execute_notebook(
    path: Path,
    *,
    root: Path,
    timeout: int = DEFAULT_TIMEOUT,
    folders: dict[str, Path] | None = None,
) -> Any:
    """Execute a notebook in its own folder and return the executed notebook (not saved).

    Raises:
        QualevalError: naming the notebook and the cell when a cell fails or times out, or
            when the file is not a notebook.
    """
    return execute_notebooks([Path(path)], root=root, timeout=timeout, folders=folders)[0]


def execute_notebooks(
    paths: list[Path],
    *,
    root: Path,
    timeout: int = DEFAULT_TIMEOUT,
    folders: dict[str, Path] | None = None,
    jobs: int = 1,
    seconds: dict[str, float] | None = None,
) -> list[Any]:
    """Execute ``paths``, up to ``jobs`` kernels at a time; the executed notebooks in order.

    Each notebook has its own kernel, so running several at once changes no output (ADR 0044).
    ``seconds`` receives each notebook's execution time by name (its file's stem).

    Raises:
        QualevalError: for the first notebook (in the order given) that failed.
    """
    defer_iri_grammar()  # nbformat's jsonschema: no IRI is validated here
    import nbformat

    notebooks = [_read(Path(p), nbformat) for p in paths]

    async def run_all() -> list[Any]:
        gate = asyncio.Semaphore(max(1, jobs))

        async def one(path: Path, nb: Any) -> Any:
            async with gate:
                t0 = time.perf_counter()
                done = await _execute(path, nb, timeout)
                if seconds is not None:
                    seconds[path.stem] = round(time.perf_counter() - t0, 3)
                return done

        return await asyncio.gather(
            *(one(Path(p), nb) for p, nb in zip(paths, notebooks)), return_exceptions=True
        )

    with _kernel_environment(Path(root).resolve(), folders or {}):
        done = asyncio.run(run_all())
    for result in done:
        if isinstance(result, BaseException):
            raise result
    return done


def _read(path: Path, nbformat: Any) -> Any:
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several types for a broken file
        raise QualevalError(
            f"{path}: not a readable notebook ({type(exc).__name__}); open and re-save it in "
            "Jupyter"
        ) from None


async def _execute(path: Path, nb: Any, timeout: int) -> Any:
    """Execute ``nb`` (read from ``path``) in the folder of ``path``; our errors only."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    client = NotebookClient(
        nb,
        timeout=timeout,
        startup_timeout=STARTUP_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
        allow_errors=False,
    )
    try:
        await client.async_execute()
    except CellExecutionError as exc:
        index, first = _cell_of(nb, exc)
        ename = getattr(exc, "ename", "") or "error"
        evalue = _ANSI.sub("", str(getattr(exc, "evalue", "") or ""))[:300]
        raise QualevalError(
            f"{path}: notebook failed in code cell {index} ({first!r}): {ename}: {evalue}; run it "
            "in Jupyter (cwd notebooks/) after `dvc repro` to see the traceback"
        ) from None
    except CellTimeoutError:
        index, first = _cell_of(nb, RuntimeError())
        raise QualevalError(
            f"{path}: a cell ran longer than {timeout} s (cell {index} {first!r}); raise "
            "--timeout or make the cell faster"
        ) from None
    except DeadKernelError:
        raise QualevalError(f"{path}: the kernel died (out of memory?)") from None
    except RuntimeError as exc:  # nbclient's "Kernel didn't respond in N seconds"
        if "respond" not in str(exc):
            raise
        raise QualevalError(
            f"{path}: the notebook's kernel did not start within {STARTUP_TIMEOUT} s; the "
            "machine may be too busy: run the stage again when it is quieter"
        ) from None
    return nb


def render_html(nb: Any) -> str:
    """Render an executed notebook as HTML (images embedded, stable metadata)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    # a print's text and its newline may reach the kernel's stream as one message or two,
    # as the machine's load decides: merged, the page is the same bytes either way
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.get("language_info", {}).pop("version", None)
    for n, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        cell.execution_count = n
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = n
    # no MathJax or require.js from a CDN: the page must open offline and fetch nothing
    exporter = HTMLExporter(embed_images=True, mathjax_url="", require_js_url="")
    body, _ = exporter.from_notebook_node(nb)
    body = _KERNEL_FILE.sub("ipykernel/cell.py", body)
    return re.sub(r'<script src="">\s*</script>\n?', "", body)


def run_stage(
    notebooks_dir: Path,
    out_dir: Path,
    metrics_path: Path,
    *,
    timeout: int = DEFAULT_TIMEOUT,
    root: Path | None = None,
    outputs_dir: Path = Path("outputs"),
    private_dir: Path = Path("private"),
    jobs: int | None = None,
) -> dict[str, Any]:
    """Execute every ``*.ipynb`` in ``notebooks_dir`` and write ``<out_dir>/<name>.html``.

    The notebooks read the run's ``outputs_dir`` and ``private_dir`` (see
    :func:`_kernel_environment`); ``jobs`` of them run at once (``None``: one per CPU core).

    Returns:
        The metrics written: notebooks executed and seconds per notebook.
    """
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise QualevalError(f"{notebooks_dir}: notebooks folder not found")
    paths = sorted(notebooks_dir.glob("*.ipynb"))
    root = Path.cwd() if root is None else Path(root)
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    folders = {"QUALEVAL_OUTPUTS": outputs_dir, "QUALEVAL_PRIVATE": private_dir}
    # kernels are programs of their own, not forks of this process: one per core is safe
    jobs = max(1, min(len(paths), available_cores())) if jobs is None else jobs
    executed = execute_notebooks(
        paths, root=root, timeout=timeout, folders=folders, jobs=jobs, seconds=seconds
    )
    pages = {path.stem: render_html(nb) for path, nb in zip(paths, executed)}
    seconds = {name: seconds[name] for name in pages}
    for name, took in seconds.items():
        log.info("%s: executed in %.1f s", name, took)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.html"):
        if stale.stem not in pages:
            stale.unlink()
    targets = {name: out_dir / f"{name}.html" for name in pages}
    metrics = {
        "notebooks": len(pages),
        "seconds_by_notebook": seconds,
        "seconds": round(time.perf_counter() - started, 3),
    }
    with atomic_files({**targets, "notebooks_metrics": Path(metrics_path)}) as tmp:
        for name in pages:
            tmp[name].write_text(pages[name], encoding="utf-8")
        write_json(tmp["notebooks_metrics"], metrics)
    return metrics


def main(
    notebooks: Path = typer.Option(Path("notebooks"), help="folder of .ipynb notebooks"),
    outputs: Path = typer.Option(Path("outputs"), help="the run's shareable folder"),
    private: Path = typer.Option(Path("private"), help="the run's private folder"),
    out: Path = typer.Option(Path("outputs/notebooks"), help="folder for the HTML copies"),
    metrics: Path = typer.Option(Path("outputs/metrics/notebooks.json"), help="metrics JSON"),
    timeout: int = typer.Option(DEFAULT_TIMEOUT, help="seconds a cell may run"),
) -> None:
    """Execute the researcher notebooks headless and render them as HTML into outputs/."""
    run_stage(notebooks, out, metrics, timeout=timeout, outputs_dir=outputs, private_dir=private)


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
