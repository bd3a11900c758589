"""``python -m pipeline.topics``: the topics stage's command line."""

from pipeline.entry import run_typer
from pipeline.topics.stage import main

run_typer(main)
