"""``python -m pipeline.verify``: the leak gate's command line."""

from pipeline.entry import run_typer
from pipeline.verify.stage import main

run_typer(main)
