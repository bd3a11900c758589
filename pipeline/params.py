"""Validated run parameters (``params.yaml``): one pydantic model per stage block.

Every model forbids unknown keys, so a typo in ``params.yaml`` is an error that names the
file and the field instead of a silently ignored setting.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipeline.errors import QualevalError
from pipeline.io import read_yaml


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_SURVEY_RESERVED = {
    "interview_id",
    "file",
    "case_kind",
    "format",
    "encoding",
    "n_turns",
    "n_respondent_turns",
    "n_words",
    "has_preamble",
    "n_speakers",
    "n_blank_answers",
    "n_participants",
}


class SurveyParams(_Block):
    """One open-ended survey export (.csv or .xlsx): one row per respondent, one case each."""

    path: Path = Field(description="the survey file (.csv or .xlsx), relative to the project")
    id_column: str = Field(description="the column with each respondent's unique id")
    text_columns: list[str] = Field(
        min_length=1, description="free-text answer columns, in question order"
    )
    attribute_columns: list[str] = Field(
        default_factory=list, description="columns kept as the respondent's attributes"
    )
    questions: dict[str, str] = Field(
        default_factory=dict,
        description="text column -> the question as asked (default: the column header)",
    )
    sheet: str | None = Field(None, description="the .xlsx sheet (default: the first)")
    id_prefix: str = Field("", description="prefix of the case ids (keeps them unique)")

    @model_validator(mode="after")
    def _columns_consistent(self) -> SurveyParams:
        problems = []
        if self.path.suffix.lower() not in {".csv", ".xlsx"}:
            problems.append(f"path {self.path}: a survey must be a .csv or .xlsx file")
        stray = sorted(set(self.questions) - set(self.text_columns))
        if stray:
            problems.append(f"questions: {', '.join(stray)} not in text_columns")
        both = sorted(set(self.text_columns) & set(self.attribute_columns))
        if both:
            problems.append(f"{', '.join(both)} listed in both text_columns and attribute_columns")
        if self.id_column in {*self.text_columns, *self.attribute_columns}:
            problems.append(f"id_column {self.id_column!r} is also a text or attribute column")
        reserved = sorted(set(self.attribute_columns) & _SURVEY_RESERVED)
        if reserved:
            problems.append(
                f"attribute_columns: {', '.join(reserved)} are names the interviews table "
                "uses itself; rename those columns"
            )
        for name, cols in (
            ("text_columns", self.text_columns),
            ("attribute_columns", self.attribute_columns),
        ):
            dups = sorted({c for c in cols if cols.count(c) > 1})
            if dups:
                problems.append(f"{name}: {', '.join(dups)} listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class DataParams(_Block):
    """Where the evaluation's raw inputs live (relative to the project root)."""

    transcripts_dir: Path = Path("transcripts_sample/transcripts")
    metadata: Path = Path("transcripts_sample/metadata.csv")
    register_file: Path | None = Field(
        None, description="anonymisation register of known people, councils, places (YAML)"
    )
    review_decisions: Path | None = Field(
        None, description="reviewed anonymisation decisions (CSV) applied on the next run"
    )
    allow_list: Path | None = Field(
        None, description="terms never to replace, one per line (national bodies, regions...)"
    )
    human_codes: Path | None = Field(
        None,
        description="human codes per turn (JSONL, CSV or a filled review sheet): calibrate "
        "the coders by cross-fitting and measure agreement",
    )
    review: Path | None = Field(
        None,
        description="a filled-in copy of outputs/coding/review_sheet.xlsx: its decisions "
        "replace the machine's codes of the turns reviewed, calibrate the coders for the "
        "others, and its random evaluation share measures agreement",
    )
    gold_pii: Path | None = Field(
        None, description="sample gold (JSONL: must_remove / must_keep) for leak metrics"
    )
    surveys: list[SurveyParams] = Field(
        default_factory=list,
        description="open-ended survey exports: each row a respondent (a case of its own)",
    )
    surveys_dir: Path | None = Field(
        None,
        description="a folder whose every .csv/.xlsx is an open-ended survey, its id, question "
        "and attribute columns found from the file (a survey in data.surveys wins)",
    )
    participants: Path | None = Field(
        None,
        description="focus-group participants sheet (.csv/.xlsx): interview_id, speaker and "
        "each participant's attributes",
    )
    human_stance: Path | None = Field(
        None,
        description="human stance labels (JSONL: interview_id, turn_index, code_id, stance): the "
        "stance stage measures its accuracy on it, and the report states stance only when "
        "that accuracy reaches stance.min_accuracy",
    )
    withdrawals: Path | None = Field(
        None,
        description="withdrawals sheet (.csv/.xlsx): interview_id, strike (optional passage "
        "or name; blank withdraws the interview), reason; applied by ingest before anything "
        "downstream, logged privately, counted in the methods section",
    )


class CodebookParams(_Block):
    """Which codebook to apply."""

    path: Path = Path("codebook/codebook.yaml")


class SpeakerPatterns(_Block):
    """Regular expressions (full match, case-insensitive) that map speaker labels to roles.

    Generic labels (``Speaker 1``, ``Speaker 2``) match none on purpose: the heuristic gives
    them roles by who asks the questions (ADR 0004).
    """

    interviewer: list[str] = Field(
        default_factory=lambda: [
            r"interviewer\s*\d*",
            r"int",
            r"i",
            r"q",
            r"question",
            r"facilitator",
            r"moderator",
            r"researcher",
            r"evaluator",
        ]
    )
    respondent: list[str] = Field(
        default_factory=lambda: [
            r"respondent\s*\d*",
            r"resp\s*\d*",
            r"r\s*\d*",
            r"a\s*\d*",
            r"answer",
            r"interviewee\s*\d*",
            r"participant\s*\d*",
            r"p\s*\d+",
        ]
    )
    other: list[str] = Field(
        default_factory=lambda: [
            r"note[- ]?taker",
            r"observer",
            r"unknown( speaker)?",
            r"inaudible",
        ]
    )

    def role_of(self, key: str) -> str | None:
        """The role whose patterns fully match ``key`` (interviewer first), or None."""
        for role in ("interviewer", "respondent", "other"):
            if any(re.fullmatch(p, key, re.I) for p in getattr(self, role)):
                return role
        return None

    @field_validator("interviewer", "respondent", "other")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pat in value:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from None
        return value


class IngestParams(_Block):
    """Settings of the ingest stage (see ``docs/data-contracts.md``)."""

    extensions: list[str] = Field(default_factory=lambda: [".txt", ".md", ".docx", ".vtt", ".srt"])
    ignore: list[str] = Field(
        default_factory=lambda: ["README*", "readme*", ".*", "~$*", "*.csv", "*.xlsx", "*.json*"],
        description="glob patterns of files in the transcripts folder that are not transcripts",
    )
    strict: bool = Field(
        True,
        description="stop the run when a listed transcript cannot be ingested or has no "
        "respondent turn (all listed at once); false: leave them out, and the report says so",
    )
    speaker_patterns: SpeakerPatterns = Field(default_factory=SpeakerPatterns)
    min_label_repeats: int = Field(
        2, ge=1, description="a label matching no pattern must occur this often to count"
    )
    other_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="heuristic: a non-interviewer speaker with less than this share of the "
        "non-interviewer words is 'other', not a respondent",
    )
    fallback_encoding: str = "cp1252"
    name_columns: list[str] = Field(
        default_factory=lambda: ["interviewer", "interviewee", "respondent"],
        description="metadata columns that hold people's names (used to resolve speakers, "
        "never copied to shared outputs)",
    )
    row_group_size: int = Field(100_000, ge=1, description="turn rows per parquet row group")
    follow_symlinks: bool = Field(
        True,
        description="read a transcript that is a symbolic link (logged, with where it points); "
        "false: refuse it",
    )
    max_file_mb: float = Field(
        50.0, gt=0, description="a transcript file larger than this (MB) is refused"
    )
    max_line_chars: int = Field(
        100_000,
        ge=1_000,
        description="a transcript line (or paragraph, or cue) longer than this is refused: no "
        "interview turn is that long, and the language models have limits",
    )
    max_turn_chars: int = Field(
        500_000,
        ge=1_000,
        le=900_000,
        description="a turn (one speaker's consecutive lines) longer than this is refused "
        "(spaCy's limit is 1,000,000 characters)",
    )
    max_docx_mb: float = Field(
        200.0,
        gt=0,
        description="a .docx whose unpacked content is larger than this (MB) is refused",
    )

    @field_validator("extensions")
    @classmethod
    def _dotted(cls, value: list[str]) -> list[str]:
        return [v.lower() if v.startswith(".") else f".{v.lower()}" for v in value]

    @field_validator("fallback_encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


DEFAULT_RECOGNISERS = [
    "register",
    "speakers",
    "review",
    "email",
    "url",
    "spoken_address",
    "handles",
    "phone",
    "spoken_phone",
    "nhs_numbers",
    "postcode",
    "nino",
    "date",
    "titled_names",
    "councils",
    "facilities",
    "places",
    "first_names",
    "ner",
]


class AnonymiseParams(_Block):
    """Settings of the anonymise stage (see ``docs/adr/0006-anonymisation.md``)."""

    recognisers: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RECOGNISERS),
        description="recognisers to run, by registered name; earlier ones win overlaps",
    )
    ner_model: str = Field(
        "pipeline/models/ner_en_qualeval",
        description="spaCy pipeline for the 'ner' recogniser: a folder or an installed "
        "package name such as en_core_web_lg; a relative folder not found from the current "
        "folder is looked up in the installed qualeval package (the shipped model)",
    )
    ner_labels: dict[str, str] = Field(
        default_factory=lambda: {
            "PERSON": "person",
            "PER": "person",
            "ORG": "organisation",
            "LOC": "place",
            "GPE": "place",
            "FAC": "place",
        },
        description="model label -> entity type; labels not listed are ignored",
    )
    batch_size: int = Field(64, ge=1, description="texts per spaCy batch")
    n_process: int = Field(1, ge=1, description="spaCy worker processes")
    ner_all_sentences: bool = Field(
        False,
        description="run NER on every sentence, not only those with a capitalised word "
        "that is not a function word (slower, same names in practice)",
    )
    ner_window_tokens: int = Field(
        8,
        ge=0,
        description="NER reads this many words either side of each capitalised word that "
        "could be an unfound name, not its whole sentence (0: whole sentences); the model "
        "sees four tokens either way, so 8 tags those words as the sentence would",
    )
    min_score: float = Field(0.5, ge=0, le=1, description="detections scoring less are dropped")
    options: dict[str, dict[str, object]] = Field(
        default_factory=dict, description="per-recogniser options, by recogniser name"
    )
    allow: list[str] = Field(
        default_factory=list, description="extra terms never to replace (added to allow_list)"
    )
    default_allow_list: bool = Field(
        True,
        description="apply qualeval's built-in allow-list (national bodies, regions and nations, "
        "roles, software) before data.allow_list; false only for a profile where those are "
        "quasi-identifiers (legal documents: the country of a case)",
    )
    dates: Literal["redact", "coarsen"] = Field(
        "redact", description="redact specific dates, or coarsen them to month (and year)"
    )
    pseudonyms: dict[str, str] = Field(
        default_factory=lambda: {
            "person": "[Person {n}]",
            "council": "[Council {letter}]",
            "place": "[Place {n}]",
            "organisation": "[Organisation {n}]",
            "email": "[email]",
            "phone": "[phone]",
            "postcode": "[postcode]",
            "nino": "[NI number]",
            "url": "[url]",
            "date": "[date]",
            "reference": "[reference]",
            "demographic": "[demographic]",
            "amount": "[amount]",
        },
        description="replacement templates per entity type ({n}: number, {letter}: A, B...)",
    )
    link_names: bool = Field(
        True, description="link 'Marcus', 'Mr Adeyemi' to 'Marcus Adeyemi' where unambiguous"
    )
    propagate: bool = Field(
        True, description="replace every occurrence of a detected name, not only those detected"
    )
    propagate_min_score: float = Field(
        0.7,
        ge=0,
        le=1,
        description="only names detected at least this confidently are propagated (an "
        "ambiguous place found by context, 'in Reading', is not spread to 'Reading the...')",
    )
    metadata_columns: list[str] = Field(
        default_factory=lambda: ["role", "region", "council_type"],
        description="metadata columns copied to the shareable interviews table",
    )
    context_chars: int = Field(60, ge=0, description="context shown in the review file")

    @field_validator("pseudonyms")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        from pipeline.recognisers.base import ENTITY_TYPES

        unknown = sorted(set(value) - set(ENTITY_TYPES))
        if unknown:
            raise ValueError(f"unknown entity type(s) {unknown}; use {list(ENTITY_TYPES)}")
        missing = sorted(set(ENTITY_TYPES) - set(value))
        if missing:
            raise ValueError(f"missing template(s) for {missing}")
        return value


class EmbedParams(_Block):
    """Settings of the embed stage (segments and their embeddings)."""

    model: str | None = Field(
        None,
        description="sentence-transformers folder; empty: the packaged all-MiniLM-L6-v2",
    )
    batch_size: int = Field(64, ge=1)
    backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "torch",
        description="runtime of the encoder: torch (float64, the same bytes on every CPU; "
        "ADR 0029) or onnx (onnxruntime, float32, the model exported once from its local "
        "weights; starts faster, but its last digits follow the CPU); ADR 0026; onnx-int8: "
        "onnx with int8 weights, about twice as fast for large corpora, with slightly "
        "different vectors (dev_eval micro-F1 0.641 vs 0.653; ADR 0049)",
    )
    cache_dir: str | None = Field(
        "private/cache/embeddings",
        description="embeddings kept between runs, by model, backend and text hash, so a "
        "rerun embeds only new texts (private: vectors of transcript text); null: no cache",
    )
    roles: list[str] = Field(
        default_factory=lambda: ["respondent"], description="speaker roles whose turns are coded"
    )
    min_words: int = Field(8, ge=1, description="shorter sentences join their neighbour")
    max_words: int = Field(80, ge=1, description="a merged segment stays under this length")

    @model_validator(mode="after")
    def _words_ordered(self) -> EmbedParams:
        if self.min_words > self.max_words:
            raise ValueError(
                f"min_words ({self.min_words}) is greater than max_words ({self.max_words}); "
                "lower min_words or raise max_words"
            )
        return self


class CodeParams(_Block):
    """Settings of the code stage (see ``docs/adr/0008-deductive-coding.md``)."""

    coders: list[Literal["keyword", "semantic", "supervised"]] = Field(
        default_factory=lambda: ["keyword", "semantic"],
        description="coders to combine; 'supervised' needs human codes for training",
    )
    default_threshold: float = Field(
        1.0, description="turn score threshold when no human codes calibrate it"
    )
    keyword_weight: float = Field(
        1.0, ge=0, description="weight of log(1 + keyword hits in the turn) in the turn score"
    )
    prototype_weight: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of the semantic score taken from the code's nearest piece of "
        "material (definition, include criterion, example) rather than its centroid",
    )
    question_weight: float = Field(
        0.25,
        ge=0,
        description="weight of the interviewer's question's standardised similarity to each code",
    )
    analytic_margin: float | None = Field(
        0.0,
        description="a turn is coded only when its best code's similarity exceeds its nearest "
        "uncoded example's (built-in generic set plus the codebook's uncoded) by this; null: off",
    )
    drop_nonanalytic: bool = Field(
        True,
        description="leave segments that are self-introductions, greetings, contact details "
        "or interview logistics (pipeline.nonanalytic's rules) out of a turn's evidence; a turn "
        "with nothing else gets no code",
    )
    keyword_specificity: bool = Field(
        True,
        description="weight each code's keyword term by how rarely its keywords match the "
        "corpus's turns (inverse document frequency, mean 1 over the codes that match)",
    )
    standardise: bool = Field(
        True, description="semantic scores as per-code z-scores over the corpus's turns"
    )
    centre: bool = Field(True, description="subtract each turn's mean score over codes")
    relative: float | None = Field(
        0.5, ge=0, description="a code must score within this of the turn's best code"
    )
    uncoded_bias: float = Field(
        1.0,
        description="without human codes: a code must come within `relative` of the "
        "codebook's uncoded material's score plus this",
    )
    uncoded_bias_grid: list[float] = Field(
        default_factory=lambda: [0.0, 0.5, 1.0, 1.5, 2.0],
        min_length=1,
        description="with human codes: the uncoded bias is chosen from these per fold",
    )
    combine: Literal["supervised", "union"] = Field(
        "supervised",
        description="with the supervised coder: 'supervised' lets it decide every code with at "
        "least min_positives human examples (the rule decides the rest); 'union' adds its codes "
        "to the rule's",
    )
    segment_threshold: float = Field(
        2.0, description="a coded turn's segment scoring this (z) also carries the code"
    )
    folds: int = Field(5, ge=2, description="cross-fitting folds over interviews")
    finetune_epochs: int = Field(
        0,
        ge=0,
        description="with the supervised coder: also fine-tune the embedding model on the human "
        "codes for this many epochs and blend it with the linear models (slow: minutes per "
        "fold on a laptop; worth it with thousands of coded turns); 0: linear models only",
    )
    min_positives: int = Field(
        5, ge=1, description="a code needs this many positive turns for its own threshold"
    )
    review_prior_turns: float | None = Field(
        100.0,
        ge=0,
        description="with a partial review: thresholds and the uncoded bias fitted on n "
        "reviewed turns are pulled towards default_threshold and uncoded_bias by this many "
        "pseudo-turns (weight n / (n + this)); null: a review never moves them (ADR 0036)",
    )
    learn: bool = Field(
        True,
        description="with human codes: a pooled model over (turn, code) pairs learns from the "
        "reviewed turns (rule scores, nearest reviewed turns with and without the code) and "
        "decides, cross-fitted over interviews (ADR 0020); false: calibrated thresholds only",
    )
    learn_c: float = Field(1.0, gt=0, description="the learner's inverse L2 regularisation")
    learn_pseudo_weight: float = Field(
        0.5, ge=0, description="weight of unreviewed turns, labelled with the rule's decisions"
    )
    learn_threshold: float | None = Field(
        0.4,
        gt=0,
        lt=1,
        description="the learner's probability threshold; null: best F1 "
        "on the reviewed turns, cross-fitted",
    )
    learn_min_positives: int = Field(
        10, ge=1, description="the learner needs this many reviewed codes, else the rule decides"
    )
    grid_min: float = Field(-1.0)
    grid_max: float = Field(5.0)
    grid_step: float = Field(0.05, gt=0)
    seed: int = 0

    @model_validator(mode="after")
    def _finetune_needs_supervised(self) -> CodeParams:
        if self.finetune_epochs and "supervised" not in self.coders:
            raise ValueError(
                "finetune_epochs fine-tunes the supervised coder's encoder; add 'supervised' "
                "to code.coders or set finetune_epochs: 0"
            )
        return self


class ReviewParams(_Block):
    """The review loop: the batch the review sheet proposes and the counts' intervals."""

    batch: int = Field(50, ge=0, description="turns proposed for review, most informative first")
    evaluation_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="share of the batch drawn at random (flagged 'evaluation'): agreement is "
        "measured on these turns only (the counts' error rates on every reviewed turn)",
    )
    seed: int = Field(0, description="seed of the random share and of the bootstrap")
    bootstrap: int = Field(
        1000, ge=0, description="bootstrap resamples (over interviews) for the counts' intervals"
    )
    prior_strength: float = Field(
        2.0,
        ge=0,
        description="pseudo-turns pulling a code's measured error rates towards all codes' "
        "pooled rates (few human-coded turns per code)",
    )
    near_margin: float = Field(
        1.0,
        ge=0,
        description="a turn the machine did not code but whose score came within this of the "
        "threshold has its own false-omission rate in the counts' estimate (ADR 0030), and one "
        "it coded less than this above the threshold its own precision (ADR 0036)",
    )


class TopicsScaleParams(_Block):
    """Topics on large corpora (``docs/adr/0027-topics-at-scale.md``).

    Below ``min_segments`` the exact path runs unchanged. From there on the clustering is
    fitted on a bounded, seeded sample of the segments (stratified over their order, which
    is interview by interview), merged to a topic count that grows with the square root of
    the corpus within [``min_topics``, ``max_topics``], and every other segment joins its
    nearest topic centroid; the stability ARI is measured on a bounded subsample.
    """

    min_segments: int = Field(
        10_000, ge=100, description="from this many segments on, the scalable path runs"
    )
    fit_segments: int = Field(
        8_000, ge=100, description="segments the clustering is fitted on (a stratified sample)"
    )
    neighbours: Literal["auto", "exact", "approximate"] = Field(
        "auto",
        description="UMAP neighbours of the fit sample: exact (brute force), approximate "
        "(pynndescent, seeded), auto: approximate above exact_neighbours_max segments",
    )
    exact_neighbours_max: int = Field(
        20_000, ge=100, description="auto: exact neighbours up to this many fitted segments"
    )
    topics_per_sqrt_segment: float = Field(
        0.125,
        gt=0,
        description="most topics kept: this times the square root of the segment count, "
        "clipped to [min_topics, max_topics]; closer topics are merged first",
    )
    clustering: Literal["consensus", "fitted"] = Field(
        "consensus",
        description="the fit sample's topics: consensus of consensus_runs k-means fits at the "
        "topic cap (co-association, average linkage; ADR 0046), or fitted: the exact path's "
        "clustering (UMAP + HDBSCAN) merged to the cap and refined",
    )
    consensus_runs: int = Field(
        100, ge=2, description="consensus: k-means fits combined (one seed each)"
    )
    refine_steps: int = Field(
        30, ge=0, description="fitted: spherical k-means steps on the fit sample after merging"
    )
    min_topics: int = Field(10, ge=2, description="the topic cap is never below this")
    max_topics: int = Field(60, ge=2, description="...nor above this")
    stability_segments: int = Field(
        10_000, ge=100, description="segments the stability ARI compares (a seeded subsample)"
    )

    @model_validator(mode="after")
    def _topic_range(self) -> TopicsScaleParams:
        if self.min_topics > self.max_topics:
            raise ValueError(
                f"min_topics ({self.min_topics}) is greater than max_topics ({self.max_topics})"
            )
        return self


class TopicsParams(_Block):
    """Settings of the topics stage (see ``docs/adr/0009-emergent-topics.md``)."""

    segments: Literal["all", "residual"] = Field(
        "all", description="model all segments, or only those no code was applied to"
    )
    seed: int = Field(0, description="seed of UMAP and k-means")
    stability_seeds: int = Field(
        3, ge=0, description="seeds (seed, seed+1, ...) whose assignments give the stability ARI"
    )
    method: Literal["hdbscan", "kmeans"] = Field(
        "hdbscan", description="UMAP + HDBSCAN (k-means as fallback), or k-means only"
    )
    n_neighbors: int = Field(
        50, ge=2, description="UMAP neighbours (at most n - 1); more: more stable topics"
    )
    n_components: int = Field(5, ge=2, description="UMAP dimensions (at most n - 2)")
    min_dist: float = Field(0.0, ge=0, description="UMAP minimum distance")
    min_topic_size: int | None = Field(
        None, ge=2, description="HDBSCAN min_cluster_size; null: scaled with corpus size"
    )
    min_topic_share: float = Field(
        0.01, gt=0, lt=1, description="scaled min_topic_size: this share of the segments..."
    )
    min_topic_floor: int = Field(5, ge=2, description="...but at least this many")
    min_topic_ceiling: int = Field(25, ge=2, description="...and at most this many")
    min_samples: int | None = Field(
        None, ge=1, description="HDBSCAN min_samples; null: min_topic_size (HDBSCAN's default)"
    )
    cluster_selection_method: Literal["eom", "leaf"] = "eom"
    max_topic_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description="HDBSCAN max_cluster_size as this share of the segments (1: no limit): no "
        "topic of excess of mass holds more of the corpus (ADR 0032)",
    )
    min_segments_hdbscan: int = Field(
        100, ge=10, description="fewer segments: k-means directly (UMAP/HDBSCAN need more)"
    )
    max_outlier_share: float = Field(
        0.6, gt=0, le=1, description="HDBSCAN leaving more outliers than this: k-means fallback"
    )
    k_min: int = Field(2, ge=2, description="k-means fallback: smallest k tried")
    k_max: int = Field(15, ge=2, description="k-means fallback: largest k tried")
    outlier_strategy: Literal["embeddings", "c-tf-idf", "distributions", "none"] = Field(
        "embeddings", description="BERTopic reduce_outliers strategy"
    )
    outlier_threshold: float = Field(
        0.3, ge=0, description="reduce_outliers: minimum similarity to join a topic"
    )
    ngram_range: tuple[int, int] = Field((1, 2), description="keyword n-gram lengths")
    min_df: int = Field(1, ge=1, description="CountVectorizer min_df (over topics)")
    top_n_words: int = Field(10, ge=1, description="keywords listed per topic")
    diversity_words: int = Field(
        25, ge=1, description="words per topic kept for the diversity metric"
    )
    mmr_diversity: float = Field(
        0.3, ge=0, le=1, description="MMR diversity of the keywords (0: plain c-TF-IDF)"
    )
    label_words: int = Field(3, ge=1, description="keywords in a topic's label")
    label_min_docs: int = Field(
        3, ge=1, description="a label keyword is used by at least this many of the topic's segments"
    )
    n_quotes: int = Field(3, ge=1, description="representative quotes per topic")
    extra_stop_words: list[str] = Field(
        default_factory=list, description="more words never to use as keywords"
    )
    emergent_threshold: float = Field(
        0.3,
        ge=0,
        le=1,
        description="a topic is emergent when less than this share of its segments carry any code",
    )
    drop_nonanalytic: bool = Field(
        True,
        description="leave greetings, consent, logistics, self-introductions, contact details "
        "and small talk out of topic modelling (outputs/topics/dropped_segments.parquet)",
    )
    min_content_words: int = Field(
        2, ge=0, description="a segment with fewer content words (no fillers) is left out"
    )
    small_talk_similarity: float = Field(
        0.6,
        ge=-1,
        le=1,
        description="a segment at least this close (cosine) to an uncoded example, and closer to "
        "those than to any code's material by small_talk_margin, is small talk and left out",
    )
    small_talk_margin: float = Field(
        0.05, ge=0, le=2, description="how much closer to the uncoded examples than to any code"
    )
    small_talk_topic_margin: float = Field(
        0.05,
        ge=-2,
        le=2,
        description="a topic whose segments are on average closer to the codes' material than to "
        "the uncoded examples by less than this is small talk: left out, topics fitted again",
    )
    fine_emergent_share: float = Field(
        0.33,
        ge=0,
        le=1,
        description="finer themes of the turns: this share of them, the least covered by the "
        "codebook, become emergent topics of their own (0: no finer themes; ADR 0025)",
    )
    fine_min_share: float = Field(
        0.01, ge=0, le=1, description="a finer theme's minimum size, as a share of the turns"
    )
    fine_min_floor: int = Field(3, ge=2, description="a finer theme has at least this many turns")
    fine_min_turns: int = Field(
        30, ge=2, description="no finer themes on fewer analytic turns than this"
    )
    fine_neighbors: int = Field(30, ge=2, description="UMAP n_neighbors of the finer themes")
    fine_stability_seeds: int = Field(
        5,
        ge=1,
        description="a finer theme is carved only when the clusterings of this many seeds "
        "(seed, seed+1, ...) all find it (1: no check; ADR 0032, 0037)",
    )
    fine_meet: bool = Field(
        True,
        description="the finer themes are the groups of turns all those seeds put together "
        "(ADR 0037); false: seed's themes found again (fine_min_agreement, fine_core)",
    )
    fine_min_agreement: float = Field(
        0.5, ge=0, le=1, description="finding a theme again: Jaccard overlap of its turns"
    )
    fine_core: bool = Field(
        True,
        description="a theme found again keeps only the turns every seed puts in it (its core)",
    )
    scale: TopicsScaleParams = Field(default_factory=TopicsScaleParams)

    @field_validator("ngram_range")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= value[0] <= value[1]:
            raise ValueError("expected [low, high] with 1 <= low <= high")
        return value

    @model_validator(mode="after")
    def _k_range(self) -> TopicsParams:
        if self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) is greater than k_max ({self.k_max})")
        if self.min_topic_floor > self.min_topic_ceiling:
            raise ValueError("min_topic_floor is greater than min_topic_ceiling")
        return self

    @property
    def top_words(self) -> int:
        """Words per topic the representation keeps (keywords and diversity)."""
        return max(self.top_n_words, self.diversity_words)


class StanceParams(_Block):
    """Settings of the stance stage (see ``docs/adr/0015-stance-towards-the-aspect.md``)."""

    temperature: float = Field(
        0.1,
        gt=0,
        le=1,
        description="in a turn with several codes, a sentence weighs exp(-gap / temperature) "
        "for a code its relevance falls short of its best code's by gap (smaller: sharper)",
    )
    opening_words: int = Field(
        8,
        ge=0,
        description="a turn's first segment of at most this many words is an opening answer",
    )
    opening_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="the least an opening answer weighs, for every code of the turn",
    )
    contrast_weight: float = Field(
        1.5, ge=1, le=3, description="weight of a clause after 'but', 'however', 'the problem is'"
    )
    prior_weight: float = Field(
        1.5,
        ge=0,
        le=3,
        description="weight of a code's valence prior (0.3 times the mean sign of its "
        "examples' polarity); "
        "0: the codebook's wording never sways a stance",
    )
    question_weight: float = Field(
        0.4,
        ge=0,
        le=2,
        description="weight of the interviewer's question's framing (asking after problems or "
        "what to change: negative; after benefits or what worked: positive); 0: ignored",
    )
    neutral_threshold: float = Field(
        0.05, gt=0, description="neither pole's evidence reaching this: neutral"
    )
    mixed_ratio: float = Field(
        0.8,
        gt=0,
        le=1,
        description="both poles reach neutral_threshold and the weaker is at least this share "
        "of the stronger: mixed",
    )
    min_accuracy: float = Field(
        0.7,
        ge=0,
        le=1,
        description="the report states stance only when its accuracy measured on "
        "data.human_stance reaches this (none: never)",
    )
    extra_cues: dict[str, float] = Field(
        default_factory=dict,
        description="an evaluation's own evaluative phrases: regular expression (matched on "
        "lower-case text) -> valence from -4 (very negative) to 4 (very positive)",
    )

    @field_validator("extra_cues")
    @classmethod
    def _cues(cls, value: dict[str, float]) -> dict[str, float]:
        for pat, valence in value.items():
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from None
            if not -4 <= valence <= 4:
                raise ValueError(f"{pat!r}: valence {valence} is outside -4 to 4")
        return value


class Quantifier(_Block):
    """One word of the quantifier scale: used when a count reaches both thresholds."""

    word: str = Field(min_length=1, description="e.g. 'most'; the word the report writes")
    min_share: float = Field(
        0.0, ge=0, le=1, description="the count is at least this share of the base"
    )
    min_count: int = Field(0, ge=0, description="and at least this many interviews")


DEFAULT_QUANTIFIERS = [
    {"word": "all", "min_share": 1.0, "min_count": 2},
    {"word": "almost all", "min_share": 0.9, "min_count": 2},
    {"word": "most", "min_share": 0.6, "min_count": 2},
    {"word": "many", "min_share": 0.4, "min_count": 2},
    {"word": "some", "min_share": 0.2, "min_count": 2},
    {"word": "a few", "min_share": 0.0, "min_count": 2},
    {"word": "one", "min_share": 0.0, "min_count": 1},
    {"word": "none", "min_share": 0.0, "min_count": 0},
]


class ReportParams(_Block):
    """Settings of the report stage (see ``docs/adr/0010-evaluation-report.md``)."""

    title: str = Field(
        "",
        description="the report's title; empty: made from the codebook's name "
        '("Peer challenge evaluation: findings from 43 interviews")',
    )
    quantifiers: list[Quantifier] = Field(
        default_factory=lambda: [Quantifier(**q) for q in DEFAULT_QUANTIFIERS],
        description="words for counts, strongest first; the first whose min_share and "
        "min_count a count reaches is used; the last must catch every count (0, 0)",
    )
    min_cell: int = Field(
        3, ge=1, description="counts of interviews from 1 to min_cell - 1 are suppressed"
    )
    framework_rows: Literal["region", "interview"] = Field(
        "region", description="rows of the framework matrix"
    )
    framework_segments: int = Field(
        2, ge=1, description="top-scoring segments summarised per framework cell"
    )
    quote_min_words: int = Field(12, ge=1, description="shortest quote, in words")
    quote_max_words: int = Field(60, ge=1, description="longest quote, in words")
    quotes_per_code: int = Field(3, ge=1, description="quotes per code in the quotes bank")
    quote_exclude: list[str] = Field(
        default_factory=lambda: [
            r"\bI(?:'m| am) (?:the|a|an|one of)\b",
            r"\bmy (?:role|job|title|remit|post)\b",
            r"\bI(?:'ve| have) been (?:a|an|the|here|in)\b",
        ],
        description="regular expressions (case-insensitive): segments matching one are never "
        "quoted (self-descriptions: poor illustrations, and they can identify the speaker)",
    )
    summary_quotes: int = Field(2, ge=0, description="quotes per theme in the executive summary")
    findings_per_theme: int = Field(
        3, ge=1, description="key findings (sub-themes) per theme in the executive summary"
    )
    min_finding_interviews: int = Field(
        2, ge=1, description="a sub-theme needs this many interviews to be a key finding"
    )
    attribution: list[str] = Field(
        default_factory=lambda: ["role", "region"],
        description="metadata columns of outputs/anonymised/interviews.parquet that "
        "attribute a quote, most general first",
    )
    attribution_min_group: int = Field(
        3,
        ge=1,
        description="an attribution is shortened (last column dropped) until at least this "
        "many interviews share it",
    )
    crosstab_by: list[str] = Field(
        default_factory=lambda: ["role", "region", "council_type"],
        description="metadata columns to crosstab codes by (one table each)",
    )
    group_by: str = Field("role", description="metadata column of the prevalence-by-group columns")
    role_groups: dict[str, str] = Field(
        default_factory=dict, description="value of group_by -> group name (unlisted: itself)"
    )
    cooccurrence_rows: int = Field(
        15, ge=1, description="code pairs shown in the report (the CSV has all)"
    )

    @field_validator("quantifiers")
    @classmethod
    def _scale(cls, value: list[Quantifier]) -> list[Quantifier]:
        if not value:
            raise ValueError("give at least one word, e.g. [{word: none, min_share: 0}]")
        words = [q.word.strip().lower() for q in value]
        dup = sorted({w for w in words if words.count(w) > 1})
        if dup:
            raise ValueError(f"word(s) {dup} listed twice; give each word once")
        for i, (a, b) in enumerate(itertools.pairwise(value)):
            if (
                b.min_share > a.min_share
                or b.min_count > a.min_count
                or (b.min_share == a.min_share and b.min_count == a.min_count)
            ):
                raise ValueError(
                    f"not in descending order at [{i + 1}] {b.word!r} after {a.word!r}: list "
                    "the words from the strongest (all) to the weakest (none), each with a "
                    "lower min_share or min_count than the one before and neither higher"
                )
        last = value[-1]
        if last.min_share != 0 or last.min_count != 0:
            raise ValueError(
                f"the last word {last.word!r} must catch every count: give it min_share 0 "
                "and min_count 0 (e.g. {word: none, min_share: 0, min_count: 0})"
            )
        return value

    @field_validator("quote_exclude")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pat in value:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from None
        return value

    @field_validator("attribution", "crosstab_by")
    @classmethod
    def _no_ids(cls, value: list[str]) -> list[str]:
        for col in value:
            if col in ("interview_id",) or col in ("interviewer", "interviewee", "respondent"):
                raise ValueError(f"{col!r} is not a metadata attribute; use e.g. role, region")
        return value

    @field_validator("quote_max_words")
    @classmethod
    def _bounds(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("quote_min_words")
        if low is not None and value < low:
            raise ValueError(f"must be at least quote_min_words ({low})")
        return value


class ResearchQuestion(_Block):
    """One research question, and the codes whose findings answer it."""

    question: str = Field(min_length=1, description="the question as the evaluation asked it")
    codes: list[str] = Field(
        default_factory=list,
        description="codebook ids (themes or sub-themes) whose findings answer it; empty: the "
        "report says which to name",
    )


class EvaluatorSections(_Block):
    """Evaluator-written Markdown files, included verbatim where they belong in the report."""

    executive_summary: Path | None = Field(None, description="opens the executive summary")
    introduction: Path | None = Field(None, description="after the generated introduction")
    methodology: Path | None = Field(None, description="after the generated methodology")
    themes: dict[str, Path] = Field(
        default_factory=dict, description="theme id -> interpretation, at the chapter's start"
    )
    discussion: Path | None = Field(None, description="a discussion chapter after the themes")
    recommendations: Path | None = Field(
        None, description="the evaluation team's own recommendations (before interviewees')"
    )
    conclusions: Path | None = Field(None, description="after the generated conclusions")

    def named(self) -> dict[str, Path]:
        """Every file named, keyed ``executive_summary`` ... or ``theme:<id>``."""
        out = {k: v for k, v in self.model_dump(exclude={"themes"}).items() if v is not None}
        out |= {f"theme:{k}": v for k, v in self.themes.items()}
        return out


class EvaluationParams(_Block):
    """What the evaluation is (``evaluation:``): the report's title page, aims and audience.

    Every field is optional; without the block the report still builds, and the sections
    that need a field say which to add (``docs/adr/0022-report-structure.md``).
    """

    title: str = Field(
        "", description="the report's title (empty: report.title, then the codebook's name)"
    )
    subtitle: str = Field("", description="a line under the title")
    commissioner: str = Field("", description="who commissioned the evaluation")
    programme: str = Field("", description="the programme evaluated")
    evaluator: str = Field("", description="the evaluation team or organisation")
    date: str = Field("", description="the report's date as printed (e.g. March 2026)")
    aims: list[str] = Field(default_factory=list, description="the evaluation's aims")
    research_questions: list[ResearchQuestion] = Field(
        default_factory=list, description="answered one by one in the introduction"
    )
    fieldwork_start: str = Field("", description="YYYY-MM (empty: from the interview dates)")
    fieldwork_end: str = Field("", description="YYYY-MM (empty: from the interview dates)")
    stakeholder_groups: list[str] = Field(
        default_factory=list,
        description="who recommendations are addressed to, in the report's order; a "
        "recommendation code names its own in the codebook (audience)",
    )
    planned_sample: dict[str, int] = Field(
        default_factory=dict,
        description="value of report.group_by (role) -> interviews planned; the methodology "
        "sets the sample achieved against it",
    )
    sections: EvaluatorSections = Field(default_factory=EvaluatorSections)

    @field_validator("research_questions", mode="before")
    @classmethod
    def _plain_questions(cls, value: object) -> object:
        # a plain string is a question with no codes named
        if isinstance(value, list):
            return [{"question": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("fieldwork_start", "fieldwork_end", mode="before")
    @classmethod
    def _month_text(cls, value: object) -> object:
        return "" if value is None else str(value)

    @field_validator("planned_sample")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        bad = sorted(k for k, v in value.items() if v < 0)
        if bad:
            raise ValueError(f"planned counts must be 0 or more ({', '.join(bad)})")
        return value


class VerifyParams(_Block):
    """Settings of the leak gate."""

    skip_extensions: list[str] = Field(
        default_factory=list,
        description="file types under outputs/ not to scan (default: none; an unreadable "
        "file fails the gate)",
    )
    residual: bool = Field(
        True,
        description="run the residual-risk scan: identifiers nobody listed (emails, phone "
        "numbers, handles, postcodes, NI/NHS numbers, named people) left in outputs/",
    )
    residual_fail: list[
        Literal["email", "phone", "postcode", "ni_number", "nhs_number", "handle", "person"]
    ] = Field(
        default_factory=lambda: [
            "email",
            "phone",
            "postcode",
            "ni_number",
            "nhs_number",
            "handle",
            "person",
        ],
        description="kinds of unlisted identifier that fail the run (the others are warnings "
        "in the private report); unknown capitalised names are always warnings",
    )
    person_score: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="a named person (given name + surname) found by the residual scan fails "
        "the run at this recogniser score or above (0.85: a listed given name with a surname)",
    )


class EngineParams(_Block):
    """Where the per-interview stages run (ADR 0028): here, or on a Dask cluster.

    ``engine: dask`` is short for ``engine: {kind: dask}``. The engine never changes an
    output (the Dask engine's are byte-identical to the local one's), so no stage depends
    on this block.
    """

    kind: Literal["local", "dask"] = Field(
        "local",
        description="local: every stage in its own process; dask: the per-interview parts of "
        "ingest, anonymise and embed as partitions on a dask.distributed cluster",
    )
    scheduler: str | None = Field(
        None,
        description="an existing cluster's scheduler address (e.g. tcp://10.0.0.5:8786); "
        "empty: a LocalCluster on this machine",
    )
    n_workers: int = Field(2, ge=1, description="LocalCluster workers (no scheduler given)")
    threads_per_worker: int = Field(1, ge=1, description="LocalCluster threads per worker")
    processes: bool = Field(
        True, description="LocalCluster workers as processes (false: threads in this process)"
    )
    partition_interviews: int = Field(
        25, ge=1, description="interviews per partition (the unit of work sent to a worker)"
    )
    connect_timeout_s: float = Field(
        30.0, gt=0, description="seconds to wait for engine.scheduler before giving up"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"kind": value} if isinstance(value, str) else value


class Params(_Block):
    """The whole ``params.yaml``."""

    qualeval_version: str | None = Field(
        None,
        description="the qualeval that wrote an evaluation project (`qualeval init`); every "
        "stage of its dvc.yaml depends on it",
    )
    data: DataParams = Field(default_factory=DataParams)
    codebook: CodebookParams = Field(default_factory=CodebookParams)
    ingest: IngestParams = Field(default_factory=IngestParams)
    anonymise: AnonymiseParams = Field(default_factory=AnonymiseParams)
    embed: EmbedParams = Field(default_factory=EmbedParams)
    code: CodeParams = Field(default_factory=CodeParams)
    stance: StanceParams = Field(default_factory=StanceParams)
    review: ReviewParams = Field(default_factory=ReviewParams)
    topics: TopicsParams = Field(default_factory=TopicsParams)
    report: ReportParams = Field(default_factory=ReportParams)
    evaluation: EvaluationParams = Field(default_factory=EvaluationParams)
    verify: VerifyParams = Field(default_factory=VerifyParams)
    engine: EngineParams = Field(default_factory=EngineParams)


def format_validation_error(source: str, exc: ValidationError) -> str:
    """Render pydantic errors as ``file: a.b[3].c: message`` lines."""
    lines = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        lines.append(f"{source}: {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_params(path: Path | None) -> Params:
    """Read and validate ``params.yaml``; a missing path gives the defaults.

    Raises:
        QualevalError: when the file cannot be read or does not validate.
    """
    if path is None:
        return Params()
    path = Path(path)
    raw = read_yaml(path, "parameters file", "pass --params or create it")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise QualevalError(f"{path}: expected a mapping of stage blocks at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise QualevalError(format_validation_error(str(path), exc)) from None
