"""Supervised and zero-shot deductive coding on the NHS Friends and Family Test coded comments.

Usage::

    python benchmarks/bench_nhs_fft.py [--shared PATH] [--out FILE] [--tune]
                                       [--input {question,text}] [--C C] [--[no-]fallback]
                                       [--finetune-epochs N] [--[no-]knn] [--shrinkage K]
                                       [--no-alt]

Needs ``data/coded/nhs_fft/{train,dev}.jsonl`` and ``codebook.json`` under ``--shared`` (default
``<repo>/../shared``). Texts are embedded with :func:`pipeline.encoder.encode` (all-MiniLM-L6-v2,
offline) and the vectors cached in ``build/bench_nhs_fft/`` keyed by a hash of the texts.

* **Supervised**: :class:`pipeline.coding.supervised.SupervisedCoder` fitted on ``train`` (folds
  grouped by respondent: the part of the id before ``" - Q"``), scored once on ``dev``. The
  classifier input is the question and the answer, ``f"{question}: {text}"`` (``--input
  question``) or the answer alone (``--input text``); both are scored and reported
  (``--no-alt``: only the chosen input, and no zero-shot run).
* **Members** (ADR 0011): the linear models always; a nearest-neighbour member (``--knn``, on
  by default); the fine-tuned encoder with ``--finetune-epochs 5`` (35-45 min on 2 cores).
  Member weights and the threshold shrinkage are chosen on ``train`` by cross-evaluation of
  the out-of-fold probabilities (``calibration_chosen_on_train`` in the report). Member
  probabilities are saved to ``build/bench_nhs_fft/members_*.npz``.
* **Zero-shot, codebook only**: each code's ``label: definition`` is embedded; a unit's score
  for a code is the cosine similarity; a unit gets every code at or above one global threshold
  (chosen on ``train``, never on ``dev``), plus always its top-1 code.
* ``--tune``: cross-validation on ``train`` only (out-of-fold predictions with the per-code
  thresholds chosen in the same folds) over C, feature mix, input and fallback; it prints the
  grid and the best setting. The defaults of this script are the setting it chose. Slow: one
  fit (5 folds + final, 32 codes) takes 1-3 minutes on 2 cores, the grid about 20 minutes.

Scores: macro- and micro-F1 (sklearn ``f1_score`` on ``MultiLabelBinarizer`` matrices,
``zero_division=0``). ``macro_f1`` averages the codes present in the dev gold or predictions;
``macro_f1_all_codes`` averages all 32 codebook codes (codes absent from dev and never
predicted count as 0). Dev has 619 units and 18 codes with fewer than 10 dev units, so macro-F1
is noisy. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.coding.supervised import SupervisedCoder  # noqa: E402

DATA = Path("data/coded/nhs_fft")
CACHE = ROOT / "build" / "bench_nhs_fft"

# Chosen by grouped 5-fold CV on train (macro-F1 of out-of-fold predictions, the grid of
# ``tune``): question-prefixed input, all three feature blocks, C=16, no fallback. Train-CV
# macro/micro F1: 0.594/0.739 (C=4: 0.592/0.739; C=1: 0.585/0.726; text only input: 0.585/0.733;
# embeddings only: 0.527/0.671; TF-IDF only: 0.564/0.722; embeddings x2: 0.586/0.731). The
# fallback changed CV macro-F1 by -0.002..-0.004, so it is off.
DEFAULTS = {
    "input": "question",
    "C": 16.0,
    "emb_weight": 1.0,
    "word_weight": 1.0,
    "char_weight": 1.0,
    "fallback": False,
}


def load_jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def unit_texts(rows: list[dict], mode: str) -> list[str]:
    """Classifier input of each unit: ``question: text`` or the text alone."""
    if mode == "question":
        return [f"{r['question']}: {r['text']}" for r in rows]
    return [r["text"] for r in rows]


def respondent(unit_id: str) -> str:
    """The respondent part of a unit id (before ``" - Q"``)."""
    return unit_id.split(" - Q")[0]


def texts_key(texts: list[str]) -> str:
    """A short hash of a list of texts (cache key)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def embed_cached(texts: list[str]) -> tuple[np.ndarray, float]:
    """Embeddings of ``texts``, from the cache when there; and the seconds spent encoding."""
    path = CACHE / f"emb_{texts_key(texts)}.npy"
    if path.is_file():
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape[0] == len(texts):
            return vectors, 0.0
    from pipeline.encoder import encode

    t0 = time.perf_counter()
    vectors = encode(texts)
    seconds = time.perf_counter() - t0
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors, allow_pickle=False)
    return vectors, seconds


def scores(gold: list[set[str]], pred: list[set[str]], codes: list[str]) -> dict:
    """Macro/micro F1 and per-code F1 with support."""
    mlb = MultiLabelBinarizer(classes=codes)
    yg = mlb.fit_transform(gold)
    yp = mlb.transform(pred)
    present = [j for j in range(len(codes)) if yg[:, j].any() or yp[:, j].any()]
    per_code = f1_score(yg, yp, average=None, zero_division=0)
    return {
        "macro_f1": round(
            float(f1_score(yg, yp, average="macro", labels=present, zero_division=0)), 4
        ),
        "micro_f1": round(float(f1_score(yg, yp, average="micro", zero_division=0)), 4),
        "macro_f1_all_codes": round(float(f1_score(yg, yp, average="macro", zero_division=0)), 4),
        "per_code": {
            c: {
                "f1": round(float(per_code[j]), 3),
                "support": int(yg[:, j].sum()),
                "predicted": int(yp[:, j].sum()),
            }
            for j, c in enumerate(codes)
        },
    }


def make_coder(codes: list[str], setting: dict, seed: int = 0) -> SupervisedCoder:
    """A coder for one setting (see ``DEFAULTS``)."""
    epochs = setting.get("finetune_epochs", 0)
    return SupervisedCoder(
        codes,
        C=setting["C"],
        seed=seed,
        emb_weight=setting["emb_weight"],
        word_weight=setting["word_weight"],
        char_weight=setting["char_weight"],
        fallback=setting["fallback"],
        threshold_shrinkage=setting.get("shrinkage"),
        finetune={"epochs": epochs} if epochs else None,
        knn={} if setting.get("knn") else None,
    )


def cv_score(coder: SupervisedCoder, labels: list[set[str]], fallback: bool) -> dict:
    """Train-CV macro/micro F1 of the out-of-fold predictions of a fitted coder.

    The thresholds were chosen on the same out-of-fold probabilities, so this is somewhat
    optimistic, equally for every setting compared.
    """
    s = scores(labels, coder.decide(coder.oof_proba_, fallback=fallback), coder.codes)
    return {"macro_f1": s["macro_f1"], "micro_f1": s["micro_f1"]}


def tune(train: list[dict], codes: list[str], emb: dict) -> list[dict]:
    """Grouped-CV grid on train only; one result row per setting (and fallback on/off)."""
    labels = [set(r["codes"]) for r in train]
    groups = [respondent(r["id"]) for r in train]
    grid = []
    for mode in ("question", "text"):
        grid.append(
            {"input": mode, "C": 4.0, "emb_weight": 1.0, "word_weight": 1.0, "char_weight": 1.0}
        )
    for c in (1.0, 16.0):
        grid.append(
            {"input": "question", "C": c, "emb_weight": 1.0, "word_weight": 1.0, "char_weight": 1.0}
        )
    for ew, ww, cw in ((1.0, 0.0, 0.0), (0.0, 1.0, 1.0), (2.0, 1.0, 1.0)):
        grid.append(
            {"input": "question", "C": 4.0, "emb_weight": ew, "word_weight": ww, "char_weight": cw}
        )
    rows = []
    for setting in grid:
        t0 = time.perf_counter()
        coder = make_coder(codes, {**setting, "fallback": True})
        texts = unit_texts(train, setting["input"])
        coder.fit(texts, emb[setting["input"]], labels, groups=groups)
        for fb in (True, False):
            row = {
                **setting,
                "fallback": fb,
                **cv_score(coder, labels, fb),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def zero_shot(
    codebook: dict, codes: list[str], train: list[dict], dev: list[dict], emb: dict
) -> dict:
    """Codebook-only baseline: cosine to ``label: definition``, global threshold from train."""
    code_vecs, _ = embed_cached(
        [f"{codebook[c]['label']}: {codebook[c]['definition']}" for c in codes]
    )
    result = {}
    for mode in ("question", "text"):
        sim_train = emb[mode] @ code_vecs.T
        sim_dev = emb[f"dev_{mode}"] @ code_vecs.T
        train_gold = [set(r["codes"]) for r in train]
        best = (-1.0, 0.0)
        for t in np.round(np.arange(0.0, 0.8001, 0.01), 2):
            s = scores(train_gold, assign_zero_shot(sim_train, codes, t), codes)["macro_f1"]
            if s > best[0]:
                best = (s, float(t))
        s = scores([set(r["codes"]) for r in dev], assign_zero_shot(sim_dev, codes, best[1]), codes)
        result[mode] = {
            "threshold_from_train": best[1],
            "train_macro_f1": round(best[0], 4),
            "macro_f1": s["macro_f1"],
            "micro_f1": s["micro_f1"],
            "macro_f1_all_codes": s["macro_f1_all_codes"],
        }
    return result


def assign_zero_shot(sim: np.ndarray, codes: list[str], threshold: float) -> list[set[str]]:
    """Codes at or above ``threshold``, plus always the top-1 code."""
    out = []
    for row in sim:
        chosen = {codes[j] for j in np.flatnonzero(row >= threshold)}
        chosen.add(codes[int(np.argmax(row))])
        out.append(chosen)
    return out


def supervised(
    train: list[dict], dev: list[dict], codes: list[str], emb: dict, setting: dict
) -> dict:
    """Fit on train with ``setting``, score on dev (also without the fallback)."""
    labels = [set(r["codes"]) for r in train]
    groups = [respondent(r["id"]) for r in train]
    mode = setting["input"]
    coder = make_coder(codes, setting)
    t0 = time.perf_counter()
    coder.fit(unit_texts(train, mode), emb[mode], labels, groups=groups)
    fit_s = time.perf_counter() - t0
    dev_texts = unit_texts(dev, mode)
    t0 = time.perf_counter()
    proba = coder.predict_proba(dev_texts, emb[f"dev_{mode}"])
    pred = coder.decide(proba)
    predict_s = time.perf_counter() - t0
    gold = [set(r["codes"]) for r in dev]
    s = scores(gold, pred, codes)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        CACHE / f"members_{mode}_ft{setting.get('finetune_epochs', 0)}.npz",
        dev_proba=proba,
        y_train=coder.label_matrix(labels),
        **{f"oof_{k}": v for k, v in coder.oof_members_.items()},
        **{
            f"dev_{k}": v
            for k, v in coder.predict_members(dev_texts, emb[f"dev_{mode}"], True).items()
        },
    )
    other = scores(gold, coder.decide(proba, fallback=not setting["fallback"]), codes)
    return {
        "setting": setting,
        "macro_f1": s["macro_f1"],
        "micro_f1": s["micro_f1"],
        "macro_f1_all_codes": s["macro_f1_all_codes"],
        f"{'without' if setting['fallback'] else 'with'}_fallback": {
            k: other[k] for k in ("macro_f1", "micro_f1", "macro_f1_all_codes")
        },
        "train_cv": cv_score(coder, labels, setting["fallback"]),
        "calibration_chosen_on_train": {
            "blend": coder.blend_,
            "threshold_shrinkage": coder.shrinkage_,
            "cross_evaluated": coder.calibration_,
        },
        "fit_seconds": round(fit_s, 2),
        "predict_seconds": round(predict_s, 3),
        "segments_per_second_predict": round(len(dev) / predict_s, 1) if predict_s else None,
        "empty_predictions": sum(1 for p in pred if not p),
        "thresholds": coder.thresholds_,
        "per_code": {
            c: {
                **s["per_code"][c],
                "cv_f1": round(coder.cv_f1_[c], 3),
                "threshold": coder.thresholds_[c],
                "train_n": coder.n_positive_[c],
            }
            for c in codes
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the JSON report and write it to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--tune", action="store_true", help="grouped-CV grid on train first")
    ap.add_argument("--input", choices=("question", "text"), default=DEFAULTS["input"])
    ap.add_argument("--C", type=float, default=DEFAULTS["C"])
    ap.add_argument(
        "--fallback", action=argparse.BooleanOptionalAction, default=DEFAULTS["fallback"]
    )
    ap.add_argument(
        "--finetune-epochs",
        type=int,
        default=0,
        help="also fine-tune the encoder for this many epochs and blend it in (slow: ~35 min)",
    )
    ap.add_argument(
        "--shrinkage",
        type=float,
        default=None,
        help="threshold shrinkage k; default: chosen by cross-evaluation on train",
    )
    ap.add_argument(
        "--knn",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="nearest-neighbour member over the embeddings (weight chosen on train)",
    )
    ap.add_argument("--no-alt", action="store_true", help="skip the other-input and zero-shot runs")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    data = args.shared / DATA
    missing = [p for p in ("train.jsonl", "dev.jsonl", "codebook.json") if not (data / p).is_file()]
    if missing:
        print(
            f"bench_nhs_fft: {data}: missing {', '.join(missing)}; pass --shared", file=sys.stderr
        )
        return 2
    train = load_jsonl(data / "train.jsonl")
    dev = load_jsonl(data / "dev.jsonl")
    codebook = json.loads((data / "codebook.json").read_text(encoding="utf-8"))
    codes = list(codebook)

    emb, encode_s, n_encoded = {}, 0.0, 0
    for mode in ("question", "text"):
        for split, rows in (("", train), ("dev_", dev)):
            texts = unit_texts(rows, mode)
            emb[f"{split}{mode}"], s = embed_cached(texts)
            if s:
                encode_s += s
                n_encoded += len(texts)

    setting = {
        **DEFAULTS,
        "input": args.input,
        "C": args.C,
        "fallback": args.fallback,
        "shrinkage": args.shrinkage,
        "finetune_epochs": args.finetune_epochs,
        "knn": args.knn,
    }
    report: dict = {"train_units": len(train), "dev_units": len(dev), "codes": len(codes)}
    if n_encoded:
        report["encode"] = {
            "texts": n_encoded,
            "seconds": round(encode_s, 1),
            "texts_per_second": round(n_encoded / encode_s, 1),
        }
    if args.tune:
        rows = tune(train, codes, emb)
        best = max(rows, key=lambda r: (r["macro_f1"], r["micro_f1"]))
        report["tuning_train_cv"] = {"grid": rows, "best": best}
        setting = {**setting, **{k: best[k] for k in DEFAULTS}}
    report["supervised"] = supervised(train, dev, codes, emb, setting)
    if not args.no_alt:
        other_mode = "text" if setting["input"] == "question" else "question"
        alt = supervised(train, dev, codes, emb, {**setting, "input": other_mode})
        report[f"supervised_input_{other_mode}"] = {
            k: alt[k] for k in ("setting", "macro_f1", "micro_f1", "macro_f1_all_codes", "train_cv")
        }
        report["zero_shot_codebook"] = zero_shot(codebook, codes, train, dev, emb)

    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
