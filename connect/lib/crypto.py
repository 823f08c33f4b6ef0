"""Secrets at rest (ARCHITECTURE.md invariant 6): Fernet with FIELD_ENCRYPTION_KEY from the environment
(bulk data: AES-GCM under a key derived from it, see encrypt_bytes).

Store `encrypt(secret)` in a TextField named `*_encrypted`; read it back with `decrypt`. Never log
or render the clear text back into a form.
"""

import base64
import binascii
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from connect.lib.hotsettings import setting

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


# Bulk data (rendered phone files, read on every phone's fetch): AES-256-GCM under a key derived
# from FIELD_ENCRYPTION_KEY, a tenth of Fernet's cost per token. Authenticated like Fernet: a
# token made with another key, or altered, does not decrypt.
_BULK_PREFIX = "g1:"
_AEADS = {}


def _aead():
    key = setting("FIELD_ENCRYPTION_KEY")
    aead = _AEADS.get(key)
    if aead is None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"connect bulk data").derive(key.encode())
        aead = _AEADS[key] = AESGCM(derived)
    return aead


def encrypt_bytes(data: bytes) -> str:
    return _BULK_PREFIX + base64.b64encode(seal(data)).decode("ascii")


def decrypt_bytes(token: str) -> bytes:
    """The bytes `encrypt_bytes` was given; ValueError if the token was not made with this key."""
    if not token.startswith(_BULK_PREFIX):
        raise ValueError("Not a token of encrypt_bytes")
    try:
        raw = base64.b64decode(token[len(_BULK_PREFIX):], validate=True)
    except binascii.Error as exc:
        raise ValueError("Secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY") from exc
    return unseal(raw)


def seal(data: bytes) -> bytes:
    """`data` encrypted as encrypt_bytes encrypts it, as raw bytes (nonce and ciphertext): the
    form for data kept in memory, where base64 would only cost time and space."""
    nonce = secrets.token_bytes(12)
    return nonce + _aead().encrypt(nonce, data, None)


def unseal(raw: bytes) -> bytes:
    """The bytes `seal` was given; ValueError if they were not sealed with this key."""
    from cryptography.exceptions import InvalidTag

    try:
        return _aead().decrypt(raw[:12], raw[12:], None)
    except InvalidTag as exc:
        raise ValueError("Secret cannot be decrypted with the configured FIELD_ENCRYPTION_KEY") from exc


def generate_password(length: int = 16) -> str:
    """A random password with upper case, lower case and digits (SIP-safe characters only)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.islower() for c in pw) and any(c.isupper() for c in pw) and any(c.isdigit() for c in pw):
            return pw
