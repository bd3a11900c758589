"""``python -m pipeline.stance``: the stance stage."""

from pipeline.entry import run_typer
from pipeline.stance.stage import main

run_typer(main)
