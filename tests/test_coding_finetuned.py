"""FineTunedCoder: settings, errors, and a real (tiny) fine-tuning of the packaged encoder."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.coding.finetuned import FineTunedCoder
from pipeline.coding.supervised import SupervisedCoder
from pipeline.errors import QualevalError

CODES = ["food", "staff"]
FOOD = [
    "The meals were cold and the portions tiny.",
    "Lunch was tasty and hot every day.",
    "Dinner came late and the soup was bland.",
    "Lovely food, good choice of sandwiches.",
    "The breakfast menu never changed.",
    "Fresh fruit with every meal was a treat.",
]
STAFF = [
    "The nurse was kind and patient with me.",
    "Doctors explained everything and listened.",
    "The receptionist was rude on the phone.",
    "Friendly staff who always had time for a chat.",
    "The carers treated my mother with dignity.",
    "A very caring and professional team.",
]


def data(repeat: int = 2) -> tuple[list[str], list[set[str]]]:
    """Food and staff comments, each labelled with its code (repeated for a few more steps)."""
    texts = (FOOD + STAFF) * repeat
    labels = ([{"food"}] * len(FOOD) + [{"staff"}] * len(STAFF)) * repeat
    return texts, labels


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"codes": []}, "codes: empty"),
        ({"codes": ["a", "a"]}, "duplicated"),
        ({"codes": ["a"], "epochs": 0}, "epochs"),
        ({"codes": ["a"], "batch_size": 0}, "batch_size"),
        ({"codes": ["a"], "lr": -1.0}, "lr"),
    ],
)
def test_when_settings_are_invalid_then_value_error_names_the_setting(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FineTunedCoder(**kwargs)


def test_when_predicting_before_fit_then_runtime_error():
    with pytest.raises(RuntimeError, match="fit"):
        FineTunedCoder(CODES).predict_proba(["x"])


def test_when_labels_do_not_match_texts_then_value_error():
    with pytest.raises(ValueError, match="labels"):
        FineTunedCoder(CODES).fit(["a", "b"], [{"food"}])
    with pytest.raises(ValueError, match="nothing to train"):
        FineTunedCoder(CODES).fit([], [])


def test_when_model_folder_has_no_model_then_clear_error(tmp_path):
    with pytest.raises(QualevalError, match="no transformer model"):
        FineTunedCoder(CODES, model=str(tmp_path), epochs=1).fit(["a"], [{"food"}])


def test_when_labels_carry_unknown_codes_then_label_matrix_ignores_them():
    y = FineTunedCoder(CODES).label_matrix([{"food", "other"}, set(), {"staff"}])
    np.testing.assert_array_equal(y, [[1, 0], [0, 0], [0, 1]])


@pytest.fixture(scope="module")
def tuned():
    """The packaged MiniLM fine-tuned on twelve comments, twice with one seed."""
    texts, labels = data()
    kw = {"epochs": 4, "batch_size": 6, "lr": 1e-4, "head_lr": 1e-2, "seed": 3}
    a = FineTunedCoder(CODES, **kw).fit(texts, labels)
    b = FineTunedCoder(CODES, **kw).fit(texts, labels)
    return a, b


@pytest.mark.slow
def test_when_fine_tuned_then_unseen_comments_get_their_own_code_most(tuned):
    coder, _ = tuned
    unseen = ["The porridge was lumpy and cold.", "The nurse on night shift was lovely."]
    proba = coder.predict_proba(unseen)
    assert proba.shape == (2, 2)
    assert proba[0, 0] > proba[0, 1]
    assert proba[1, 1] > proba[1, 0]
    assert coder.loss_[-1] < coder.loss_[0]


@pytest.mark.slow
def test_when_fine_tuned_twice_with_one_seed_then_probabilities_are_identical(tuned):
    a, b = tuned
    texts = [*FOOD[:2], *STAFF[:2], ""]
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))
    assert a.predict_proba([]).shape == (0, 2)


@pytest.mark.slow
def test_when_supervised_coder_has_a_fine_tuned_member_then_it_is_cross_fitted_and_blended():
    texts, labels = data()
    emb = np.zeros((len(texts), 2), dtype=np.float32)  # no embedding signal: text features only
    coder = SupervisedCoder(
        CODES,
        n_splits=2,
        finetune={"epochs": 2, "batch_size": 6, "lr": 1e-4, "head_lr": 1e-2},
    ).fit(texts, emb, labels, groups=[str(i % 6) for i in range(len(texts))])
    assert set(coder.blend_) == {"finetuned"}
    assert {r["weights"]["finetuned"] for r in coder.calibration_} == {0.0, 0.25, 0.5, 0.75}
    assert set(coder.oof_members_) == {"linear", "finetuned"}
    proba = coder.predict_proba(["Cold chips again.", "Kind nurses."], np.zeros((2, 2)))
    assert proba.shape == (2, 2)
    assert ((proba >= 0) & (proba <= 1)).all()
