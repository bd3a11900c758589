"""``python -m pipeline.compare``: the compare stage."""

from pipeline.compare.stage import main
from pipeline.entry import run_typer

run_typer(main)
