"""Receipt codes of tips: 16 random digits shown once to the reporter, never stored.

Stored per tip: a slow hash (scrypt with a per-tip salt) to verify the code, and an HMAC
fingerprint keyed by SECRET_KEY so a lookup is one indexed query (the fingerprint alone does not
let anyone without the key test guesses offline). Pure functions: no database.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

DIGITS = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def receipt_new() -> str:
    """A fresh code formatted like `1234 5678 9012 3456`."""
    digits = "".join(str(secrets.randbelow(10)) for _ in range(DIGITS))
    return receipt_format(digits)


def receipt_format(digits: str) -> str:
    return " ".join(digits[i:i + 4] for i in range(0, DIGITS, 4))


def receipt_normalise(text: str) -> str | None:
    """The 16 digits of what the reporter typed (spaces and dashes ignored), or None."""
    digits = "".join(ch for ch in (text or "") if ch not in " -\u3000")
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def receipt_fingerprint(digits: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"tip-receipt:" + digits.encode(), hashlib.sha256).hexdigest()


def receipt_hash(digits: str, salt: bytes) -> str:
    return hashlib.scrypt(digits.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32).hex()


def receipt_secure(code: str) -> dict:
    """Fields to store for a new code: `receipt_salt`, `receipt_hash`, `receipt_fingerprint`."""
    digits = receipt_normalise(code)
    salt = secrets.token_bytes(16)
    return {"receipt_salt": salt.hex(), "receipt_hash": receipt_hash(digits, salt),
            "receipt_fingerprint": receipt_fingerprint(digits)}


def receipt_matches(digits: str, *, salt_hex: str, stored_hash: str) -> bool:
    return hmac.compare_digest(receipt_hash(digits, bytes.fromhex(salt_hex)), stored_hash)
