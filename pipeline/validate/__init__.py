"""Check every input a run needs before any stage writes (the first stage, and ``qualeval run``).

:func:`~.core.check_inputs` reads the params, the codebook, the metadata sheet and the files
it lists, the evaluator's files, the model paths and the output folders, and collects every
problem at once, grouped by file (:class:`~.core.Problems`). :mod:`.stage` is the ``validate``
stage that ``dvc repro`` runs first: it removes the previous leak-gate verdict (so a failed run
can never leave a ``passed`` verdict beside other files) and writes nothing else unless every
check passes. ``qualeval run`` calls the same checks before it creates any folder.

Only shared modules are used here (never a stage), so the checks read the inputs the way the
stages do without depending on them.
"""

from pipeline.validate.core import Problems, RunSpec, check_inputs
from pipeline.validate.stage import main

__all__ = ["Problems", "RunSpec", "check_inputs", "main"]
