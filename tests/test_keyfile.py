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


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("review.csv", lambda df, p: df.to_csv(p, index=False)),
        ("mentions.parquet", lambda df, p: df.to_parquet(p, index=False)),
    ],
)
def test_when_private_table_encrypted_then_reader_decrypts_transparently(
    tmp_path, monkeypatch, name, write
):
    import pandas as pd

    from pipeline.keyfile import is_encrypted, private_bytes, read_private_table

    df = pd.DataFrame({"text": ["Ann Lee"], "context": ["as Ann Lee said"]})
    plain_path = tmp_path / f"plain_{name}"
    write(df, plain_path)
    enc_path = tmp_path / name
    enc_path.write_bytes(private_bytes(plain_path.read_bytes(), "s3cret"))
    # "Ann Lee" (7 characters), not "Ann": a random salt and ciphertext in base64 hold any
    # 3-letter string about once in 500 runs, which made this test flaky
    assert is_encrypted(enc_path.read_bytes()) and b"Ann Lee" not in enc_path.read_bytes()
    monkeypatch.setenv(SECRET_ENV, "s3cret")
    pd.testing.assert_frame_equal(read_private_table(enc_path), df)
    monkeypatch.delenv(SECRET_ENV)
    pd.testing.assert_frame_equal(read_private_table(plain_path), df)  # plain reads as is
    with pytest.raises(QualevalError, match="encrypted; set QUALEVAL_KEY_SECRET"):
        read_private_table(enc_path)


def test_when_key_written_plain_then_warned_once(caplog, monkeypatch):
    import pipeline.keyfile as K

    monkeypatch.setattr(K, "_warned_plain", False)
    with caplog.at_level("WARNING", logger="pipeline.keyfile"):
        dumps_key({"entities": []})
        dumps_key({"entities": []})
        dumps_key({"entities": []}, "s3cret")
    assert sum("plain text" in r.message for r in caplog.records) == 1
