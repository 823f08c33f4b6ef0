"""Secrets at rest (connect.lib.crypto): the bulk form used for stored phone files."""

import base64

import pytest
from cryptography.fernet import Fernet

from connect.lib import crypto


def test_bulk_data_comes_back_only_with_the_key_it_was_made_with(settings):
    token = crypto.encrypt_bytes(b"user_pass: s3cret")
    assert b"s3cret" not in token.encode() and token != crypto.encrypt_bytes(b"user_pass: s3cret")  # a nonce each
    assert crypto.decrypt_bytes(token) == b"user_pass: s3cret"
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError):
        crypto.decrypt_bytes(token)


@pytest.mark.parametrize("damage", [
    lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),  # altered: the tag fails
    lambda t: t[:10],  # cut
    lambda t: t.replace("g1:", ""),  # not this form (an older Fernet token, say)
    lambda t: t + "*",  # not base64
])
def test_an_altered_or_foreign_token_is_refused(damage):
    token = crypto.encrypt_bytes(b"x" * 100)
    with pytest.raises(ValueError):
        crypto.decrypt_bytes(damage(token))


def test_sealed_data_comes_back_only_with_its_key_and_unaltered(settings):
    """The raw form kept in memory (provisioning.memory): encrypt_bytes without base64."""
    raw = crypto.seal(b"user_pass: s3cret")
    assert b"s3cret" not in raw and raw != crypto.seal(b"user_pass: s3cret")  # a nonce each
    assert crypto.unseal(raw) == b"user_pass: s3cret"
    assert crypto.unseal(base64.b64decode(crypto.encrypt_bytes(b"x")[3:])) == b"x"  # one scheme
    with pytest.raises(ValueError):
        crypto.unseal(raw[:-1] + bytes([raw[-1] ^ 1]))
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError):
        crypto.unseal(raw)
