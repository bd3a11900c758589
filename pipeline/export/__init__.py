"""Export stage: the coded, anonymised transcripts as a REFI-QDA project (``.qdpx``).

NVivo, MAXQDA, ATLAS.ti and QualCoder open it: the anonymised turns of each interview as a
text source, the codebook as codes, every coded segment as a coding at its exact characters,
the interviews' shareable attributes as case variables, and the machine's score, method and
evidence in each coding's note. Researcher-pack material (``outputs/analysis/``), scanned by
the leak gate like every output.

* :mod:`~pipeline.export.core`: :func:`build_project`, the pure core over DataFrames;
* :mod:`~pipeline.export.stage`: :func:`run_stage` and the typer entry :func:`main`.
"""

from pipeline.export.core import MACHINE_USER, Project, build_project, write_qdpx
from pipeline.export.stage import main, run_stage

__all__ = ["MACHINE_USER", "Project", "build_project", "main", "run_stage", "write_qdpx"]
