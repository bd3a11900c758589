"""Notebooks stage: the researcher notebooks run headless on the sample; failures are clear."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pipeline import notebooks as N
from pipeline.errors import QualevalError

ROOT = Path(__file__).resolve().parents[1]


def write_notebook(path: Path, sources: list[str]) -> Path:
    nb = new_notebook(
        cells=[new_markdown_cell("# test")] + [new_code_cell(s) for s in sources],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def test_when_repository_notebooks_then_outputs_stripped():
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert {"01_coding", "03_anonymisation_review"} <= {p.stem for p in paths}
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def test_when_review_notebook_then_identifiers_hidden_by_default():
    nb = nbformat.read(str(ROOT / "notebooks" / "03_anonymisation_review.ipynb"), as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.startswith("SHOW_IDENTIFIERS = False")


def test_when_a_cell_fails_then_error_names_notebook_and_cell(tmp_path):
    path = write_notebook(tmp_path / "nb" / "broken.ipynb", ["x = 1", "y = x / 0", "z = 2"])
    out = tmp_path / "out"
    with pytest.raises(QualevalError) as err:
        N.run_stage(path.parent, out, tmp_path / "m.json", root=ROOT, timeout=60)
    msg = str(err.value)
    assert "broken.ipynb" in msg and "code cell 2" in msg and "'y = x / 0'" in msg
    assert "ZeroDivisionError" in msg
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_when_notebooks_run_then_html_per_notebook_in_their_folder(tmp_path):
    folder = tmp_path / "nb"
    write_notebook(folder / "a.ipynb", ["from pathlib import Path", "print(Path.cwd().name)"])
    write_notebook(folder / "b.ipynb", ["import pipeline.report as r", "print(r.TOTAL)"])
    out = tmp_path / "out"
    (out).mkdir()
    (out / "stale.html").write_text("old", encoding="utf-8")
    metrics = N.run_stage(folder, out, tmp_path / "m.json", root=ROOT, timeout=60)
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "b.html"]
    assert metrics["notebooks"] == 2
    page = (out / "a.html").read_text(encoding="utf-8")
    assert "nb" in page  # ran with cwd = its folder
    # opens offline: no script is fetched from a CDN (MathJax, require.js)
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert json.loads((tmp_path / "m.json").read_text())["notebooks"] == 2


def test_when_not_a_notebook_then_clear_error(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "bad.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(QualevalError, match=r"bad\.ipynb: not a readable notebook"):
        N.run_stage(tmp_path / "nb", tmp_path / "out", tmp_path / "m.json", root=ROOT)


@pytest.mark.slow
def test_when_sample_outputs_then_every_notebook_executes_and_renders(repro):
    work, proc = repro
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    names = sorted(p.stem for p in (work / "notebooks").glob("*.ipynb"))
    rendered = sorted(p.stem for p in (work / "outputs" / "notebooks").glob("*.html"))
    assert rendered == names
    for path in sorted((work / "notebooks").glob("*.ipynb")):
        nb = N.execute_notebook(path, root=work, timeout=300)
        errors = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.get("output_type") == "error"
        ]
        assert not errors, path.name
    review = (work / "outputs" / "notebooks" / "03_anonymisation_review.html").read_text()
    assert "Identifiers hidden (SHOW_IDENTIFIERS = False)" in review
    coding = (work / "outputs" / "notebooks" / "01_coding.html").read_text()
    assert "evidence covers" in coding


def test_when_a_cell_warns_then_the_kernel_file_name_is_made_stable():
    import nbformat

    from pipeline.notebooks import render_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("warn()")
    text = "/tmp/ipykernel_16703/2080877902.py:9: UserWarning: identical xlims\n"
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=text)]
    nb.cells = [cell]
    page = render_html(nb)
    assert "ipykernel_16703" not in page and "ipykernel/cell.py:9: UserWarning" in page


@pytest.mark.parametrize(
    "chunks",
    [["shared.\n"], ["shared.", "\n"], ["sha", "red.", "\n"]],
)
def test_when_a_print_reaches_the_stream_in_pieces_then_the_page_is_the_same(chunks):
    import nbformat

    from pipeline.notebooks import render_html

    def page(pieces: list[str]) -> str:
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print('shared.')")
        cell.id = "c1"  # new cells get random ids
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in pieces]
        nb.cells = [cell]
        return render_html(nb)

    assert page(chunks) == page(["shared.\n"])


@pytest.mark.parametrize("jobs", [1, 3])
def test_when_notebooks_run_at_once_then_pages_equal_one_at_a_time(tmp_path, jobs):
    folder = tmp_path / "nb"
    for name in ("a", "b", "c"):
        write_notebook(folder / f"{name}.ipynb", [f"print({name!r} * 3)", "import os"])
    out = tmp_path / f"out{jobs}"
    metrics = N.run_stage(folder, out, tmp_path / "m.json", root=ROOT, timeout=60, jobs=jobs)
    assert list(metrics["seconds_by_notebook"]) == ["a", "b", "c"]
    for name in ("a", "b", "c"):
        assert f"{name * 3}" in (out / f"{name}.html").read_text(encoding="utf-8")
    if jobs == 3:
        one = tmp_path / "out1"
        N.run_stage(folder, one, tmp_path / "m1.json", root=ROOT, timeout=60, jobs=1)
        for name in ("a", "b", "c"):
            assert (one / f"{name}.html").read_bytes() == (out / f"{name}.html").read_bytes()


def test_when_two_notebooks_fail_at_once_then_the_first_in_order_is_named(tmp_path):
    folder = tmp_path / "nb"
    write_notebook(folder / "a_ok.ipynb", ["x = 1"])
    write_notebook(folder / "b_late.ipynb", ["import time", "time.sleep(2)", "1 / 0"])
    write_notebook(folder / "c_early.ipynb", ["raise KeyError('c')"])
    with pytest.raises(QualevalError, match=r"b_late\.ipynb: notebook failed in code cell 3"):
        N.run_stage(folder, tmp_path / "out", tmp_path / "m.json", root=ROOT, timeout=60, jobs=3)


def test_when_the_kernel_does_not_start_then_the_error_says_so(tmp_path, monkeypatch):
    import nbclient

    async def never_starts(self, *args, **kwargs):
        raise RuntimeError("Kernel didn't respond in 300 seconds")

    monkeypatch.setattr(nbclient.NotebookClient, "async_execute", never_starts)
    path = write_notebook(tmp_path / "nb" / "slow.ipynb", ["x = 1"])
    with pytest.raises(QualevalError, match=r"slow\.ipynb: the notebook's kernel did not start"):
        N.execute_notebook(path, root=ROOT)
