"""Checks on the shipped spaCy NER model, pipeline/models/ner_en_qualeval (slow: loads it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MODEL_DIR = Path(__file__).resolve().parent.parent / "pipeline" / "models" / "ner_en_qualeval"
MAX_BYTES = 20 * 1024 * 1024

# Hand-written British interview-style sentences (not from transcripts_sample/), with the
# personal names a reader would expect to be found.
PERSON_CASES = [
    ("I went over to Grimsby to meet Janet Holroyd from the council.", ["Janet Holroyd"]),
    ("Well, my daughter Siobhan drove me up to Leeds that morning.", ["Siobhan"]),
    ("Dr Patel at the surgery in Oldham was really good with me.", ["Patel"]),
    ("So I rang Gareth Pritchard and he said he'd sort it out.", ["Gareth Pritchard"]),
    (
        "Yeah, Margaret and Colin Sutcliffe ran the food bank in Bradford for years.",
        ["Margaret", "Colin Sutcliffe"],
    ),
    ("Our support worker, Aisha Khan, came round every Tuesday.", ["Aisha Khan"]),
    ("I told Mr Ackroyd we couldn't afford the bus fare into Sheffield.", ["Ackroyd"]),
    ("My neighbour Brenda took me to the hospital in Swansea.", ["Brenda"]),
    ("We spoke to Callum Fraser from Citizens Advice about the forms.", ["Callum Fraser"]),
]


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    if not (MODEL_DIR / "meta.json").is_file():
        pytest.skip(f"{MODEL_DIR} not present; run `make train-ner`")
    return spacy.load(MODEL_DIR)


def test_when_model_loaded_then_pipeline_is_tok2vec_and_ner(nlp):
    assert nlp.pipe_names == ["tok2vec", "ner"]


def test_when_model_loaded_then_labels_are_person_org_loc(nlp):
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "ORG", "LOC"}


def test_when_model_dir_measured_then_at_most_20_mb(nlp):
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size <= MAX_BYTES, f"{size / 1e6:.1f} MB"


def test_when_meta_read_then_name_is_ner_en_qualeval(nlp):
    meta = json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "ner_en_qualeval"
    assert nlp.meta["name"] == "ner_en_qualeval"


def test_when_british_interview_sentences_then_most_person_names_found(nlp):
    expected, found, missed = 0, 0, []
    for text, names in PERSON_CASES:
        doc = nlp(text)
        persons = {ent.text for ent in doc.ents if ent.label_ == "PERSON"}
        for name in names:
            expected += 1
            if name in persons:
                found += 1
            else:
                missed.append((name, [(e.text, e.label_) for e in doc.ents]))
    recall = found / expected
    assert recall >= 0.7, f"person recall {recall:.2f}; missed: {missed}"


# Long sentences, where NER reading a window around each capitalised word saves most.
WINDOW_CASES = [
    "When we first started the programme back in the autumn, the person who really made "
    "the difference for us was Janet Holroyd, who came over from the council in Grimsby and "
    "sat with the team for most of a week going through every single case file with us.",
    "I think the honest answer is that it took a long time to settle, and it was only when "
    "Gareth Pritchard took over the Tuesday meetings and started ringing the schools in "
    "Oldham himself that people felt anyone was listening to them at all, to be fair.",
    "So we had the peer challenge team, which was Aisha Khan and a colleague of hers from "
    "Citizens Advice, and then separately the regional group in Bradford, and by the end "
    "the two of them were sharing notes in a way that none of us had expected.",
]


def test_when_ner_reads_windows_then_it_finds_what_whole_sentences_give(nlp):
    from pipeline.anonymise.detect import CorpusWords, detect
    from pipeline.recognisers.ner import SpacyNerRecogniser

    words = CorpusWords.of(WINDOW_CASES)
    rec = [SpacyNerRecogniser()]

    def found(window: int) -> list[list[tuple[int, int, str]]]:
        out = detect(WINDOW_CASES, rec, nlp, progress=False, words=words, ner_window=window)
        return [[(d.start, d.end, d.entity_type) for d in dets] for dets in out]

    whole, windows = found(0), found(8)
    assert any(whole), "the model finds names in these sentences"
    assert windows == whole


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[components.tok2vec.model]\n@architectures = "spacy.HashEmbedCNN.v2"\n', False),
        ('[components.transformer]\nfactory = "transformer"\n# spacy-transformers\n', True),
        ('[model]\n@layers = "PyTorchWrapper.v2"\n', True),
        (None, True),  # no config to read: nothing is assumed
    ],
)
def test_when_config_read_then_torch_layers_are_told(tmp_path, config, expected):
    from pipeline.recognisers.ner import has_torch_layers

    if config is not None:
        (tmp_path / "config.cfg").write_text(config, encoding="utf-8")
    assert has_torch_layers(str(tmp_path)) is expected


def test_when_shipped_model_checked_then_it_has_no_torch_layers():
    from pipeline.recognisers.ner import has_torch_layers

    assert has_torch_layers("pipeline/models/ner_en_qualeval") is False
