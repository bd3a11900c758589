"""``python -m pipeline.coding``: the code stage."""

from pipeline.coding.stage import main
from pipeline.entry import run_typer

run_typer(main)
