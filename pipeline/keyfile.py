"""The private pseudonym key: original -> pseudonym, optionally encrypted with Fernet.

When the environment variable :data:`SECRET_ENV` holds a passphrase, the key is written as
an encrypted envelope (scrypt-derived Fernet key, random salt); otherwise as plain JSON.
Either way it belongs only in the private area. See ``docs/adr/0006-anonymisation.md``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path
from typing import Any

from pipeline.errors import QualevalError

SECRET_ENV = "QUALEVAL_KEY_SECRET"
FORMAT = "qualeval-key-v1"

log = logging.getLogger(__name__)
_warned_plain = False


def warn_plain_once() -> None:
    """Warn (once per process) that the key is being written in plain text."""
    global _warned_plain
    if not _warned_plain:
        _warned_plain = True
        log.warning(
            "the pseudonym key is written in plain text (0600, private area only); set %s to "
            "a passphrase to encrypt it, the review file and the mentions table",
            SECRET_ENV,
        )


def _fernet(secret: str, salt: bytes) -> Any:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    kdf = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(secret.encode("utf-8"))))


def dumps_key(payload: dict[str, Any], secret: str | None = None) -> str:
    """Serialise ``payload``: sorted JSON, or an encrypted envelope when ``secret`` is given.

    The plain form is byte-identical for identical payloads; the encrypted form is not (a
    fresh salt and IV each time), but it decrypts to the identical plain form.
    """
    plain = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if not secret:
        if "entities" in payload:
            warn_plain_once()
        return plain
    salt = os.urandom(16)
    token = _fernet(secret, salt).encrypt(plain.encode("utf-8"))
    envelope = {
        "format": FORMAT,
        "encryption": "fernet+scrypt",
        "salt": base64.b64encode(salt).decode("ascii"),
        "token": token.decode("ascii"),
    }
    return json.dumps(envelope, indent=2, sort_keys=True) + "\n"


def read_key(path: Path, secret: str | None = None) -> dict[str, Any]:
    """Read a key written by :func:`dumps_key`, decrypting it if needed.

    Args:
        path: the key file.
        secret: the passphrase; defaults to the :data:`SECRET_ENV` environment variable.

    Raises:
        QualevalError: when the file is missing, not a key, encrypted without a secret, or
            the secret is wrong.
    """
    path = Path(path)
    if secret is None:
        secret = os.environ.get(SECRET_ENV) or None
    if not path.is_file():
        raise QualevalError(f"{path}: pseudonym key not found; run the anonymise stage first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QualevalError(
            f"{path}: not a qualeval pseudonym key (not JSON); restore it from your backup "
            "or delete it and re-run the anonymise stage"
        ) from None
    if not isinstance(data, dict):
        raise QualevalError(f"{path}: not a qualeval pseudonym key")
    if data.get("encryption") is None:
        if "entities" not in data:
            raise QualevalError(f"{path}: not a qualeval pseudonym key (no 'entities')")
        return data
    if not secret:
        raise QualevalError(
            f"{path}: the key is encrypted; set {SECRET_ENV} to the passphrase it was written with"
        )
    from cryptography.fernet import InvalidToken

    try:
        salt = base64.b64decode(data["salt"])
        plain = _fernet(secret, salt).decrypt(data["token"].encode("ascii"))
    except InvalidToken:
        raise QualevalError(
            f"{path}: cannot decrypt the key with {SECRET_ENV}: wrong passphrase; set the one "
            "used when it was written (or delete the key and re-run anonymise to rebuild it)"
        ) from None
    except (KeyError, ValueError, TypeError):
        raise QualevalError(f"{path}: damaged encrypted key; restore it from your backup") from None
    return json.loads(plain.decode("utf-8"))


FILE_FORMAT = "qualeval-private-v1"


def encrypt_bytes(data: bytes, secret: str) -> bytes:
    """``data`` as an encrypted envelope (the key's scheme: scrypt-derived Fernet, fresh salt)."""
    salt = os.urandom(16)
    envelope = {
        "format": FILE_FORMAT,
        "encryption": "fernet+scrypt",
        "salt": base64.b64encode(salt).decode("ascii"),
        "token": _fernet(secret, salt).encrypt(data).decode("ascii"),
    }
    return (json.dumps(envelope, indent=2, sort_keys=True) + "\n").encode("ascii")


def private_bytes(data: bytes, secret: str | None) -> bytes:
    """What to write for a private file that lists names with context: encrypted if a secret."""
    return encrypt_bytes(data, secret) if secret else data


def is_encrypted(data: bytes) -> bool:
    """True when ``data`` is an envelope written by :func:`encrypt_bytes`."""
    head = data[:200].lstrip()
    return head.startswith(b"{") and FILE_FORMAT.encode("ascii") in data[:400]


def read_private_bytes(path: Path, secret: str | None = None) -> bytes:
    """The plain bytes of a private file, decrypting an envelope transparently.

    Args:
        path: the file (plain, or written by :func:`encrypt_bytes`).
        secret: the passphrase; defaults to the :data:`SECRET_ENV` environment variable.

    Raises:
        QualevalError: when it is encrypted and the secret is missing or wrong.
    """
    path = Path(path)
    data = path.read_bytes()
    if not is_encrypted(data):
        return data
    secret = secret if secret is not None else os.environ.get(SECRET_ENV) or None
    if not secret:
        raise QualevalError(
            f"{path}: encrypted; set {SECRET_ENV} to the passphrase it was written with"
        )
    from cryptography.fernet import InvalidToken

    try:
        envelope = json.loads(data.decode("ascii"))
        salt = base64.b64decode(envelope["salt"])
        return _fernet(secret, salt).decrypt(envelope["token"].encode("ascii"))
    except InvalidToken:
        raise QualevalError(f"{path}: cannot decrypt with {SECRET_ENV}: wrong passphrase") from None
    except (KeyError, ValueError, TypeError):
        raise QualevalError(f"{path}: damaged encrypted file; re-run the anonymise stage") from None


def read_private_table(path: Path, secret: str | None = None, **read_csv: Any) -> Any:
    """A private CSV or parquet table as a DataFrame, decrypted transparently if needed."""
    import io

    import pandas as pd

    data = read_private_bytes(path, secret)
    if Path(path).suffix.lower() == ".parquet":
        return pd.read_parquet(io.BytesIO(data))
    return pd.read_csv(io.BytesIO(data), **read_csv)
