"""Pseudonym key: plain and encrypted round trips, clear errors."""

from __future__ import annotations

import pytest

from pipeline.errors import QualevalError
from pipeline.keyfile import SECRET_ENV, dumps_key, read_key

PAYLOAD = {
    "format": "qualeval-key-v1",
    "entities": [{"pseudonym": "[Person 1]", "variants": ["Ann Lee"]}],
}


def test_when_no_secret_then_key_is_plain_and_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert dumps_key(PAYLOAD) == dumps_key(PAYLOAD)
    path = tmp_path / "key.json"
    path.write_text(dumps_key(PAYLOAD), encoding="utf-8")
    assert read_key(path) == PAYLOAD


def test_when_secret_then_key_is_encrypted_and_round_trips(tmp_path):
    path = tmp_path / "key.json"
    path.write_text(dumps_key(PAYLOAD, "correct horse"), encoding="utf-8")
    assert "Ann Lee" not in path.read_text()
    assert read_key(path, "correct horse") == PAYLOAD


@pytest.mark.parametrize(
    ("secret", "message"),
    [("wrong", "wrong passphrase"), ("", "the key is encrypted; set QUALEVAL_KEY_SECRET")],
)
def test_when_secret_wrong_or_missing_then_clear_error(tmp_path, monkeypatch, secret, message):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "key.json"
    path.write_text(dumps_key(PAYLOAD, "right"), encoding="utf-8")
    with pytest.raises(QualevalError, match=message):
        read_key(path, secret or None)


@pytest.mark.parametrize(
    ("content", "message"), [("not json", "not JSON"), ("{}", "no 'entities'"), (None, "not found")]
)
def test_when_key_file_bad_then_clear_error(tmp_path, monkeypatch, content, message):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(QualevalError, match=message):
        read_key(path)
