"""``python -m pipeline.anonymise``: the anonymise stage's command line."""

from pipeline.anonymise.stage import main
from pipeline.entry import run_typer

run_typer(main)
