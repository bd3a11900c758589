"""``python -m pipeline.validate``: the validate stage's command line."""

from pipeline.entry import run_typer
from pipeline.validate.stage import main

run_typer(main)
