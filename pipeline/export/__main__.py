"""``python -m pipeline.export``: the export stage."""

from pipeline.entry import run_typer
from pipeline.export.stage import main

run_typer(main)
