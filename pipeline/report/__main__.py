"""``python -m pipeline.report``: the report stage's command line."""

from pipeline.entry import run_typer
from pipeline.report.stage import main

run_typer(main)
