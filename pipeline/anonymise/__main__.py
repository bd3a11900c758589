"""``python -m pipeline.anonymise``: the anonymise stage's command line."""

from pipeline.anonymise.stage import main
from pipeline.entry import run_typer

# guarded: a Dask LocalCluster's process workers import the main module again (ADR 0028)
if __name__ == "__main__":
    run_typer(main)
