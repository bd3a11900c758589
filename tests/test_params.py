"""params.yaml validation: every mistake names the file and the field."""

from __future__ import annotations

import pytest

from pipeline.errors import QualevalError
from pipeline.params import Params, load_params

ERROR_CASES = [
    ("unknown_top_block", "ingets:\n  strict: true\n", "params.yaml: ingets: unknown key"),
    ("unknown_field", "ingest:\n  strcit: true\n", "params.yaml: ingest.strcit: unknown key"),
    (
        "wrong_type",
        "ingest:\n  strict: maybe\n",
        "params.yaml: ingest.strict: Input should be a valid boolean",
    ),
    (
        "bad_regex",
        "ingest:\n  speaker_patterns:\n    interviewer: ['(']\n",
        "params.yaml: ingest.speaker_patterns.interviewer: Value error, "
        "invalid regular expression '('",
    ),
    ("bad_encoding", "ingest:\n  fallback_encoding: klingon\n", "unknown encoding 'klingon'"),
    (
        "out_of_range",
        "ingest:\n  other_share: 2\n",
        "params.yaml: ingest.other_share: Input should be less than or equal to 1",
    ),
    ("yaml_syntax", "ingest:\n  strict: [true\n", "params.yaml: line 3: not valid YAML"),
    ("not_a_mapping", "- a\n- b\n", "expected a mapping"),
    (
        "finetune_without_supervised",
        "code:\n  finetune_epochs: 3\n",
        "params.yaml: code: Value error, finetune_epochs fine-tunes the supervised coder's "
        "encoder; add 'supervised' to code.coders",
    ),
]


@pytest.mark.parametrize(("case", "text", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_when_params_invalid_then_error_names_file_and_field(tmp_path, case, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(QualevalError) as err:
        load_params(path)
    assert message in str(err.value).replace(str(tmp_path) + "/", "")


def test_when_params_missing_then_clear_error(tmp_path):
    with pytest.raises(QualevalError, match="parameters file not found"):
        load_params(tmp_path / "nope.yaml")


def test_when_repo_params_loaded_then_they_equal_the_documented_defaults(root):
    assert load_params(root / "params.yaml").ingest == Params().ingest


def test_when_extension_written_without_dot_then_normalised(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("ingest:\n  extensions: [TXT, .vtt]\n")
    assert load_params(path).ingest.extensions == [".txt", ".vtt"]
