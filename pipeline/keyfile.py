"""The private pseudonym key: original -> pseudonym, optionally encrypted with Fernet.

When the environment variable :data:`SECRET_ENV` holds a passphrase, the key is written as
an encrypted envelope (scrypt-derived Fernet key, random salt); otherwise as plain JSON.
Either way it belongs only in the private area. See ``docs/adr/0006-anonymisation.md``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from pipeline.errors import QualevalError

SECRET_ENV = "QUALEVAL_KEY_SECRET"
FORMAT = "qualeval-key-v1"


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
