"""Detection as partitions of interviews, for an engine's workers (ADR 0028).

Running the recognisers (NER included) is the per-interview part of anonymisation: each
turn's detections depend only on its own text and on what the run knows (the register, the
decisions, the people named by speakers and metadata, the allow-list). Linking mentions into
entities, propagating names and choosing pseudonyms are corpus-wide and stay in the stage's
process. A worker builds the recognisers (and loads the NER model) once per process, from a
:class:`DetectJob` that pickles.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.anonymise.detect import CorpusWords, build_recognisers, detect
from pipeline.engine import Engine, interview_partitions
from pipeline.evaluator_files.decisions import Decisions
from pipeline.evaluator_files.register import RegisterEntity
from pipeline.heap import frozen_heap
from pipeline.params import AnonymiseParams
from pipeline.recognisers.base import Detection, Recogniser

_BUILT: dict[str, tuple[Any, list[Recogniser]]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class DetectJob:
    """What a worker needs to build the run's recognisers (all of it pickles)."""

    params: AnonymiseParams
    decisions: Decisions
    register: tuple[RegisterEntity, ...]
    people: tuple[str, ...]
    allow_keys: frozenset[str]
    with_ner: bool

    @classmethod
    def of(
        cls,
        params: AnonymiseParams,
        decisions: Decisions,
        register: Sequence[RegisterEntity],
        people: Sequence[str],
        allow_keys: set[str],
        with_ner: bool,
    ) -> DetectJob:
        """The job of a run (``with_ner``: whether the ``ner`` recogniser runs)."""
        allowed = frozenset(allow_keys)
        return cls(params, decisions, tuple(register), tuple(people), allowed, with_ner)

    @functools.cached_property
    def key(self) -> str:
        """A digest of the job: a worker builds one set of recognisers per key."""
        return hashlib.sha256(pickle.dumps(self.__getstate__())).hexdigest()

    def __getstate__(self) -> dict[str, Any]:
        """The fields only (never the cached key)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _recognisers(job: DetectJob) -> tuple[Any, list[Recogniser]]:
    """The NER pipeline (or None) and the recognisers of ``job``, built once per process."""
    with _LOCK:
        if job.key not in _BUILT:
            nlp = None
            if job.with_ner:
                from pipeline.recognisers.ner import load_pipeline  # imports spaCy

                nlp = load_pipeline(job.params.ner_model)
            register, people = list(job.register), list(job.people)
            _, recognisers = build_recognisers(job.params, job.decisions, register, people, nlp)
            _BUILT.clear()  # one run's recognisers at a time
            _BUILT[job.key] = (nlp, recognisers)
        return _BUILT[job.key]


@frozen_heap()
def detect_partition(
    job: DetectJob, words: CorpusWords | None, texts: Sequence[str]
) -> list[list[Detection]]:
    """The raw detections of one partition's texts (runs on a worker).

    ``words`` are the whole corpus's (read by the client), so a partition chooses the
    sentences NER reads as a local run does.
    """
    nlp, recognisers = _recognisers(job)
    p = job.params
    return detect(
        list(texts),
        recognisers,
        nlp,
        p.batch_size,
        1,  # a worker is one process: the cluster gives the parallelism
        False,
        p.ner_all_sentences,
        set(job.allow_keys),
        words,
        ner_window=p.ner_window_tokens,
    )


def detect_on(
    engine: Engine,
    texts: Sequence[str],
    interview_of: Sequence[str],
    job: DetectJob,
    words: CorpusWords | None = None,
) -> list[list[Detection]]:
    """Every text's raw detections, computed in interview partitions by ``engine``."""
    parts = interview_partitions(interview_of, engine.partition_interviews)
    out: list[list[Detection]] = [[] for _ in texts]
    jobs = ([texts[row] for row in part] for part in parts)
    for part, found in zip(
        parts, engine.map(functools.partial(detect_partition, job, words), jobs)
    ):
        for row, dets in zip(part, found):
            out[row] = dets
    return out
