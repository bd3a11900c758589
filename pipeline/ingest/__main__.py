"""``python -m pipeline.ingest``: the ingest stage's command line."""

from pipeline.entry import run_typer
from pipeline.ingest.stage import main

run_typer(main)
