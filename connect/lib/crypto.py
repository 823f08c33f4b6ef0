"""Secrets at rest (ARCHITECTURE.md invariant 6): Fernet with FIELD_ENCRYPTION_KEY from the environment.

Store `encrypt(secret)` in a TextField named `*_encrypted`; read it back with `decrypt`. Never log
or render the clear text back into a form.
"""

import secrets
import string

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_FERNETS = {}


def _fernet():
    key = settings.FIELD_ENCRYPTION_KEY
    fernet = _FERNETS.get(key)
    if fernet is None:
        fernet = _FERNETS[key] = Fernet(key.encode())
    return fernet


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key: fail loudly, never serve garbage
        raise ValueError("Secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY") from exc


def encrypt_bytes(data: bytes) -> str:
    return _fernet().encrypt(data).decode()


def decrypt_bytes(token: str) -> bytes:
    """The bytes `encrypt_bytes` was given; ValueError if the token was not made with this key."""
    try:
        return _fernet().decrypt(token.encode())
    except InvalidToken as exc:
        raise ValueError("Secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY") from exc


def generate_password(length: int = 16) -> str:
    """A random password with upper case, lower case and digits (SIP-safe characters only)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw):
            return pw
