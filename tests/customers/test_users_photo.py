"""Profile picture (USR-6): jpg/png ≤ 5 MB, validated by content, served through the tenancy helper."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.customers.test_users_views import form_data


def png_bytes(width=2, height=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg_bytes():
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">H", 11) + b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\x00" * 10 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.parametrize("name,content", [("me.png", png_bytes()), ("me.JPG", jpeg_bytes())])
def test_valid_pictures_accepted_and_served(client_a, user_a, admin_b, name, content):
    url = reverse("customers:user_update", args=[user_a.pk])
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client_a.post(url, {**form_data(username=user_a.username), "photo": upload})
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert user_a.photo
    served = client_a.get(reverse("customers:user_photo", args=[user_a.pk]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content
    other = Client()
    other.force_login(admin_b)
    assert other.get(reverse("customers:user_photo", args=[user_a.pk])).status_code == 404


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("evil.png", b"<?php echo 1; ?>" * 10, "not a valid JPG or PNG"),
        ("fake.jpg", png_bytes(), "not a valid JPG or PNG"),
        ("pic.gif", b"GIF89a" + b"\x00" * 20, "JPG or PNG format"),
        ("broken.png", png_bytes()[:20], "not a valid JPG or PNG"),
    ],
)
def test_invalid_pictures_refused(client_a, user_a, name, content, message):
    url = reverse("customers:user_update", args=[user_a.pk])
    response = client_a.post(url, {**form_data(username=user_a.username), "photo": SimpleUploadedFile(name, content, content_type="image/png")})
    assert response.status_code == 200
    assert message in response.content.decode()
    user_a.refresh_from_db()
    assert not user_a.photo


def test_too_large_picture(client_a, user_a):
    content = jpeg_bytes()[:-2] + b"\x00" * (5 * 1024 * 1024) + b"\xff\xd9"
    url = reverse("customers:user_update", args=[user_a.pk])
    response = client_a.post(url, {**form_data(username=user_a.username), "photo": SimpleUploadedFile("big.jpg", content)})
    assert response.status_code == 200
    assert "at most 5 MB" in response.content.decode()


def test_clear_picture(client_a, user_a):
    url = reverse("customers:user_update", args=[user_a.pk])
    client_a.post(url, {**form_data(username=user_a.username), "photo": SimpleUploadedFile("a.png", png_bytes())})
    client_a.post(url, {**form_data(username=user_a.username), "photo_clear": "on"})
    user_a.refresh_from_db()
    assert not user_a.photo
