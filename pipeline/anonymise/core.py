"""The anonymise core: turns in, pseudonymised turns and private tables out (no file I/O).

:func:`anonymise` runs the steps in order: detect (:mod:`.detect`), link and propagate
(:mod:`.link`), pseudonymise and replace (:mod:`.pseudonymise`), and build the output
tables (:mod:`.tables`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.anonymise.detect import (
    CorpusWords,
    Filtered,
    allow_index_of,
    allow_keys_of,
    build_recognisers,
    detect,
    filter_detections,
    lowercase_words,
    people_from,
    protected_spans,
    recogniser_names,
    resolve_overlaps,
    trim_allowed,
)
from pipeline.anonymise.evidence import (
    coordinated_places,
    extend_house_numbers,
    extend_surnames,
    known_first_names,
    nickname_forms,
    one_type_per_surface,
    place_nicknames,
)
from pipeline.anonymise.link import (
    Entity,
    Mention,
    UnionFind,
    build_entities,
    link_mentions,
    name_parts,
    propagate_lone_names,
    propagate_names,
)
from pipeline.anonymise.partitioned import DetectJob, detect_on
from pipeline.anonymise.pseudonymise import (
    assign_pseudonyms,
    chosen_pseudonyms,
    replace_mentions,
)
from pipeline.anonymise.residual_review import residual_metrics, residual_rows, residual_scan
from pipeline.anonymise.tables import (
    key_payload,
    mentions_table,
    review_table,
    run_stats,
    safe_interviews,
    safe_turns,
)
from pipeline.engine import Engine
from pipeline.evaluator_files.decisions import Decisions
from pipeline.evaluator_files.register import RegisterEntity
from pipeline.heap import frozen_heap
from pipeline.params import AnonymiseParams
from pipeline.recognisers.base import Detection, PhraseIndex
from pipeline.text import blank_spans


@dataclass
class AnonymiseResult:
    """Everything the stage produces (safe tables first, then private ones)."""

    turns: pd.DataFrame
    interviews: pd.DataFrame
    mentions: pd.DataFrame
    review: pd.DataFrame
    key: dict[str, Any]
    stats: dict[str, Any]


# a full garbage collection over the imported libraries and the gazetteer indexes costs a
# third of a small call, at random (ADR 0034)
@frozen_heap()
def anonymise(
    turns: pd.DataFrame,
    interviews: pd.DataFrame,
    params: AnonymiseParams,
    *,
    register: list[RegisterEntity] | None = None,
    decisions: Decisions | None = None,
    allow: Iterable[str] = (),
    name_columns: list[str] | None = None,
    nlp: Any = None,
    progress: bool = True,
    vocabulary: frozenset[str] = frozenset(),
    codebook_phrases: frozenset[str] = frozenset(),
    engine: Engine | None = None,
) -> AnonymiseResult:
    """Anonymise the turns table (pure: no file I/O).

    Args:
        turns: the ingest stage's turns table.
        interviews: the ingest stage's interviews table (metadata columns included).
        params: the ``anonymise`` block of params.
        register: the evaluator's register entries.
        decisions: reviewed decisions from an earlier run.
        allow: terms never to replace.
        name_columns: metadata columns holding people's names.
        nlp: a loaded spaCy pipeline for ``ner`` (None: no NER; Dask workers load their own).
        progress: show a progress bar.
        vocabulary: lower-case words of the evaluator's codebook (its analytic vocabulary).
        codebook_phrases: the codebook's own proper-noun terms (never identifiers).
        engine: where the recognisers run (a Dask engine: interview partitions, ADR 0028).
    """
    started = time.perf_counter()
    register, decisions = register or [], decisions or Decisions()
    turns = turns.reset_index(drop=True)
    texts, interview_of, turn_of = _columns(turns)
    people = people_from(turns, interviews, name_columns or [])
    allow_keys = allow_keys_of(allow, params, decisions)
    with_ner = _with_ner(params, nlp, engine)
    job = DetectJob.of(params, decisions, register, people, allow_keys, with_ner)
    names = recogniser_names(params, decisions, job.with_ner)
    priority = {name: i for i, name in enumerate(names)}
    book = (vocabulary, codebook_phrases)
    found, protected, scan_with = _found(texts, interview_of, job, (nlp, progress, engine), book)
    mentions, uf = _link(texts, interview_of, found, priority, protected, job)
    entities = build_entities(mentions, uf, interview_of, turn_of, priority)
    assign_pseudonyms(entities, params, chosen_pseudonyms(register, decisions, uf, entities))
    new_texts, n_repl, applied = replace_mentions(texts, mentions, entities, uf)
    safe = safe_turns(turns, new_texts, n_repl)
    mentions_df = mentions_table(applied, interview_of, turn_of)
    review = review_table(
        entities, mentions, uf, texts, interview_of, params.context_chars, found.dropped_examples
    )
    scanned = _scanned_texts(texts, protected, (mentions, entities, uf))
    review, residual = _residual(review, (new_texts, scanned), interview_of, params, scan_with)
    key = key_payload(entities, turns, safe)
    interviews_safe = safe_interviews(interviews, params.metadata_columns)
    elapsed = time.perf_counter() - started
    stats = run_stats(texts, entities, len(mentions), mentions_df, found.dropped, names, elapsed)
    return AnonymiseResult(safe, interviews_safe, mentions_df, review, key, stats | residual)


def _scanned_texts(
    texts: list[str],
    protected: list[list[Detection]],
    replaced: tuple[list[Mention], dict[str, Entity], UnionFind],
) -> list[str]:
    """The anonymised texts with their allowed phrases blanked, for the residual scan.

    The allowed phrases are blanked in the original texts (spaces: offsets stay) and the
    replacements then made as in the real texts; no replacement reaches into an allowed
    phrase, so this equals finding the phrases again in the anonymised texts, without
    tokenising every text a second time.
    """
    blanked = [
        blank_spans(t, [(d.start, d.end) for d in protected[row]]) for row, t in enumerate(texts)
    ]
    return replace_mentions(blanked, *replaced)[0]


def _residual(
    review: pd.DataFrame,
    new_texts: tuple[list[str], list[str]],
    interview_of: list[str],
    params: AnonymiseParams,
    scan_with: tuple[CorpusWords, PhraseIndex, frozenset[str]],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The review table with the residual scan's findings added, and the scan's counts.

    ``new_texts``: the anonymised texts, and the same with their allowed phrases blanked.
    """
    words, _, phrases = scan_with
    # the codebook's own terms count, not its examples: they may quote transcripts
    ordinary = words.lower | {p for p in phrases if " " not in p}
    anonymised, scanned = new_texts
    scan = residual_scan(scanned, interview_of, None, ordinary, params.pseudonyms)
    rows = residual_rows(scan, anonymised, interview_of, params.context_chars)
    if rows:
        extra = pd.DataFrame(rows, columns=review.columns)
        review = pd.concat([review, extra], ignore_index=True) if len(review) else extra
    return review, {"residual": residual_metrics(scan)}


def _found(
    texts: list[str],
    interview_of: list[str],
    job: DetectJob,
    where: tuple[Any, bool, Engine | None],
    codebook: tuple[frozenset[str], frozenset[str]],
) -> tuple[Filtered, list[list[Detection]], tuple[CorpusWords, PhraseIndex, frozenset[str]]]:
    """The kept detections, each text's allowed spans; the corpus words, allowed and own phrases.

    ``where`` is the NER pipeline, whether to show progress and the engine; ``codebook`` the
    codebook's vocabulary and phrases.
    """
    nlp, progress, engine = where
    vocabulary, codebook_phrases = codebook
    allow_keys = set(job.allow_keys)
    words, allow_index = CorpusWords.of(texts, vocabulary), allow_index_of(allow_keys)
    protected = protected_spans(texts, allow_index)
    raw = _raw_detections(texts, interview_of, nlp, progress, job, engine, (words, protected))
    allowed = (allow_keys, allow_index, protected)
    found = _detections(texts, raw, job.params, allowed, codebook_phrases, words)
    return found, protected, (words, allow_index, codebook_phrases)


def _columns(turns: pd.DataFrame) -> tuple[list[str], list[str], list[int]]:
    """Each turn's text, interview id and turn index, as lists."""
    texts = turns["text"].fillna("").astype(str).tolist()
    return (
        texts,
        turns["interview_id"].astype(str).tolist(),
        turns["turn_index"].astype(int).tolist(),
    )


def _raw_detections(
    texts: list[str],
    interview_of: list[str],
    nlp: Any,
    progress: bool,
    job: DetectJob,
    engine: Engine | None,
    corpus: tuple[CorpusWords, list[list[Detection]]],
) -> list[list[Detection]]:
    """Every recogniser over every text, here (with ``nlp``) or on a Dask engine's workers.

    ``corpus`` is the corpus words and each text's allowed phrases (workers find their own).
    """
    words, protected = corpus
    if _remote(engine):
        return detect_on(engine, texts, interview_of, job, words)  # type: ignore[arg-type]
    p = job.params
    register, people = list(job.register), list(job.people)
    _, recognisers = build_recognisers(p, job.decisions, register, people, nlp)
    allow = set(job.allow_keys)
    return detect(
        texts,
        recognisers,
        nlp,
        p.batch_size,
        p.n_process,
        progress,
        p.ner_all_sentences,
        allow,
        words,
        protected,
        p.ner_window_tokens,
    )


def _remote(engine: Engine | None) -> bool:
    return engine is not None and engine.name != "local"


def _with_ner(params: AnonymiseParams, nlp: Any, engine: Engine | None) -> bool:
    """Whether NER runs: here with a loaded ``nlp``; on workers, which load ``ner_model``."""
    return "ner" in params.recognisers if _remote(engine) else nlp is not None


def _detections(
    texts: list[str],
    raw: list[list[Detection]],
    params: AnonymiseParams,
    allowed: tuple[set[str], PhraseIndex, list[list[Detection]]],
    codebook_phrases: frozenset[str],
    words: CorpusWords,
) -> Filtered:
    """Trim and filter the recognisers' detections.

    ``allowed`` is the allowed phrases, their index and each text's allowed spans.
    """
    allow_keys, allow_index, protected = allowed
    raw = trim_allowed(texts, raw, allow_index, protected)
    return filter_detections(
        texts, raw, allow_keys, params.min_score, codebook_phrases=codebook_phrases, words=words
    )


def _link(
    texts: list[str],
    interview_of: list[str],
    found: Filtered,
    priority: dict[str, int],
    protected: list[list[Detection]],
    job: DetectJob,
) -> tuple[list[Mention], UnionFind]:
    """Resolve overlaps, apply the evidence rules, link mentions and propagate names.

    ``job`` holds the params, decisions, allowed phrases, the register and the people known
    from speakers and metadata.
    """
    allow_keys, params, decisions = set(job.allow_keys), job.params, job.decisions
    known = (list(job.register), list(job.people))
    chosen_by_row = [
        resolve_overlaps(texts[row], dets, priority) for row, dets in enumerate(found.kept_by_row)
    ]
    extend_surnames(texts, chosen_by_row, allow_keys)
    common = lowercase_words(texts)
    place_nicknames(texts, chosen_by_row, allow_keys, common)
    coordinated_places(texts, chosen_by_row, allow_keys, common)
    mentions = [Mention(row, d) for row, dets in enumerate(chosen_by_row) for d in dets]
    min_score = params.propagate_min_score
    short_forms = nickname_forms(known_first_names(known[0], known[1], mentions))
    if params.propagate:
        # lone first names everywhere, each occurrence its interview's own (linked below)
        extra = name_parts(mentions, allow_keys, min_score) | {f.title() for f in short_forms}
        mentions += propagate_lone_names(
            texts, interview_of, chosen_by_row, mentions, allow_keys, protected, min_score, extra
        )
    uf = link_mentions(
        mentions, found.kept_by_row, interview_of, params.link_names, decisions.link, short_forms
    )
    if params.propagate:
        added = propagate_names(
            texts, interview_of, chosen_by_row, mentions, uf, allow_keys, protected, min_score
        )
        mentions.extend(added)  # their keys are entity roots already
    extend_house_numbers(texts, mentions)
    one_type_per_surface(mentions, uf, interview_of)
    return mentions, uf
