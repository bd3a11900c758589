"""``python -m pipeline.ingest``: the ingest stage's command line."""

from pipeline.entry import run_typer
from pipeline.ingest.stage import main

# guarded: a Dask LocalCluster's process workers import the main module again (ADR 0028)
if __name__ == "__main__":
    run_typer(main)
