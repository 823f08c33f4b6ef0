"""Organisation → Lydfiler (ORG-5): prompts, recordings per language, "Importér filen"."""

import io
import json
import os
import shutil
import subprocess
import wave
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from connect.lib.uploads import SizeLimitUploadHandler
from customers import operations
from customers.models import AuditEntry, Job, Prompt, PromptCall, PromptRecording
from services.models import CallQueueSettings
from tests.factories import PromptRecordingFactory, wav_bytes

pytestmark = pytest.mark.django_db
needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg (Debian package ffmpeg) missing"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def prompt(org_a, admin_a):
    return operations.prompt_create(
        organisation=org_a, by=admin_a, name="Velkommen", description="Velkommen til firmaet"
    )


def system_prompt(name="Ringing", kind=Prompt.Kind.PROMPT):
    return Prompt.objects.get_or_create(organisation=None, name=name, defaults={"kind": kind})[0]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the job's task, deleting files) as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def upload(commit):
    def post(client, prompt, content, name="velkommen.wav", language="da"):
        with commit():
            return client.post(
                reverse("customers:prompt_import", args=[prompt.pk]),
                {
                    "language": language,
                    "file": SimpleUploadedFile(name, content, content_type="audio/wav"),
                },
            )

    return post


def assert_nothing_written(prompt):
    assert not Job.objects.exists()
    assert not PromptRecording.objects.filter(prompt=prompt).exclude(file="").exists()


# --- the list and the organisation's own prompts ---------------------------------------------


def test_an_admin_creates_a_prompt_and_sees_it_next_to_the_read_only_system_prompts(
    client_a, org_a
):
    ringing = system_prompt()
    response = client_a.post(
        reverse("customers:prompt_create"),
        {"name": "IpvisionLukket", "description": "Vi har lukket"},
    )
    prompt = Prompt.objects.get(organisation=org_a, name="IpvisionLukket")
    assert response.status_code == 302 and response.url == reverse(
        "customers:prompt_update", args=[prompt.pk]
    )
    page = client_a.get(reverse("customers:prompt_list")).content.decode()
    assert "Vi har lukket" in page and "Ringing" in page
    assert reverse("customers:prompt_update", args=[prompt.pk]) in page
    assert reverse("customers:prompt_delete", args=[prompt.pk]) in page
    # the system prompt is listed without an edit link or a delete icon, and cannot be opened
    assert reverse("customers:prompt_update", args=[ringing.pk]) not in page
    assert client_a.get(reverse("customers:prompt_update", args=[ringing.pk])).status_code == 404
    assert client_a.post(reverse("customers:prompt_delete", args=[ringing.pk])).status_code == 404
    assert AuditEntry.objects.filter(object_id=str(prompt.pk), action="create").exists()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("VELKOMMEN", "already used"),  # unique per organisation whatever the case
        ("ringing", "name of a system prompt"),  # the same dropdowns list both
        ("", "required"),
        ("x" * 65, "at most 64"),
    ],
)
def test_bad_prompt_names_get_a_field_error_and_nothing_is_written(client_a, prompt, name, error):
    system_prompt()
    response = client_a.post(reverse("customers:prompt_create"), {"name": name, "description": ""})
    assert response.status_code == 200
    assert error in response.content.decode().lower()
    assert Prompt.objects.filter(organisation=prompt.organisation).count() == 1


def test_the_description_may_hold_500_characters(client_a, prompt):
    response = client_a.post(
        reverse("customers:prompt_update", args=[prompt.pk]),
        {"name": "Velkommen", "description": "d" * 501},
    )
    assert response.status_code == 200 and "at most 500" in response.content.decode()
    response = client_a.post(
        reverse("customers:prompt_update", args=[prompt.pk]),
        {"name": "Velkommen", "description": "d" * 500},
    )
    assert response.status_code == 302
    prompt.refresh_from_db()
    assert len(prompt.description) == 500


def test_the_same_name_is_fine_in_another_organisation(client_b, prompt):
    response = client_b.post(
        reverse("customers:prompt_create"), {"name": "Velkommen", "description": ""}
    )
    assert response.status_code == 302


def test_a_prompt_in_use_is_not_deleted_and_the_page_lists_what_uses_it(client_a, prompt):
    CallQueueSettings.objects.create(organisation=prompt.organisation, welcome_prompt=prompt)
    url = reverse("customers:prompt_delete", args=[prompt.pk])
    page = client_a.get(url).content.decode()
    assert reverse("services:service", args=["call-queues"]) in page
    response = client_a.post(url, follow=True)
    assert "is in use and cannot be deleted" in response.content.decode()
    assert Prompt.objects.filter(pk=prompt.pk).exists()


def test_deleting_an_unused_prompt_removes_its_recordings_and_their_files(client_a, prompt, commit):
    recording = PromptRecordingFactory(prompt=prompt)
    path = recording.file.path
    with commit():
        response = client_a.post(reverse("customers:prompt_delete", args=[prompt.pk]))
    assert response.status_code == 302
    assert not Prompt.objects.filter(pk=prompt.pk).exists() and not PromptRecording.objects.exists()
    assert not os.path.exists(path)


def test_another_organisations_prompts_and_recordings_answer_404(client_b, prompt):
    recording = PromptRecordingFactory(prompt=prompt)
    for name in ("prompt_update", "prompt_delete", "prompt_import"):
        assert client_b.get(reverse(f"customers:{name}", args=[prompt.pk])).status_code == 404
    assert (
        client_b.get(reverse("customers:recording_audio", args=[recording.pk])).status_code == 404
    )
    assert "Velkommen" not in client_b.get(reverse("customers:prompt_list")).content.decode()


def test_the_sound_is_streamed_to_the_organisations_admins_only(client, client_a, prompt, user_a):
    recording = PromptRecordingFactory(prompt=prompt)
    url = reverse("customers:recording_audio", args=[recording.pk])
    response = client_a.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content) == recording.file.open("rb").read()
    assert "private" in response["Cache-Control"]
    assert f'src="{url}"' in client_a.get(reverse("customers:prompt_list")).content.decode()
    client.logout()
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(user_a)
    assert client.get(url).status_code == 403  # a standard user is no admin


def test_system_prompt_recordings_play_for_every_organisation(client_b):
    recording = PromptRecordingFactory(
        prompt=system_prompt("fpm-sunshine", Prompt.Kind.MUSIC), language="da", source="system"
    )
    assert (
        client_b.get(reverse("customers:recording_audio", args=[recording.pk])).status_code == 200
    )


# --- Importér filen ---------------------------------------------------------------------------


def wav_44k_stereo_24bit(seconds=1.5):
    return wav_bytes(seconds=seconds, rate=44100, channels=2, width=3)


@needs_ffmpeg
def test_a_44k_stereo_24bit_wav_is_converted_to_8k_mono_with_its_duration(client_a, prompt, upload):
    response = upload(client_a, prompt, wav_44k_stereo_24bit())
    job = Job.objects.get(kind=Job.Kind.PROMPT_CONVERT)
    assert response.status_code == 302 and response.url == reverse(
        "customers:job_detail", args=[job.pk]
    )
    assert job.status == Job.Status.SUCCEEDED, job.message
    recording = PromptRecording.objects.get(prompt=prompt, language="da")
    assert (recording.status, recording.duration_ms, recording.original_name) == (
        "ready",
        1500,
        "velkommen.wav",
    )
    with wave.open(recording.file.open("rb")) as converted:
        assert (converted.getframerate(), converted.getnchannels(), converted.getsampwidth()) == (
            8000,
            1,
            2,
        )
        assert converted.getnframes() == 12000  # 1.5 s
    page = client_a.get(reverse("customers:prompt_update", args=[prompt.pk])).content.decode()
    assert "0:01.5" in page and reverse("customers:recording_audio", args=[recording.pk]) in page
    assert "1.5" in job.message or "0:01.5" in job.message
    job.refresh_from_db()
    assert not job.upload  # the original is not kept


@needs_ffmpeg
def test_an_mp3_and_a_mulaw_wav_are_accepted_per_language(client_a, prompt, tmp_path, upload):
    mp3 = tmp_path / "tone.mp3"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-ac",
            "1",
            str(mp3),
        ],
        check=True,
    )
    mulaw = tmp_path / "mulaw.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-ar",
            "8000",
            "-c:a",
            "pcm_mulaw",
            str(mulaw),
        ],
        check=True,
    )
    assert (
        upload(client_a, prompt, mp3.read_bytes(), name="tone.mp3", language="en").status_code
        == 302
    )
    assert (
        upload(client_a, prompt, mulaw.read_bytes(), name="mulaw.wav", language="da").status_code
        == 302
    )
    recordings = {r.language: r for r in PromptRecording.objects.filter(prompt=prompt)}
    assert {code: r.status for code, r in recordings.items()} == {"da": "ready", "en": "ready"}
    assert 1000 <= recordings["en"].duration_ms < 1100 and recordings["da"].duration_ms == 1000


def _truncated_wav():
    data = wav_bytes(seconds=1.0)
    return data[: len(data) // 2]


def _tags_only_mp3():
    frame = b"TIT2" + (9).to_bytes(4, "big") + b"\x00\x00" + b"\x03Velkommen"[:9]
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + frame


@needs_ffmpeg
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "notes.wav",
            b"This is a text file, not a recording.\n" * 20,
            "not a sound file we can read",
        ),
        ("cut.wav", _truncated_wav(), "incomplete"),
        ("tags.mp3", _tags_only_mp3(), "not a sound file we can read"),
        ("empty.wav", b"", "empty"),
    ],
)
def test_bad_sound_files_get_a_field_error_and_nothing_is_written(
    client_a, prompt, name, content, error, upload
):
    response = upload(client_a, prompt, content, name=name)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert_nothing_written(prompt)


def test_only_the_organisations_languages_can_be_imported(client_a, prompt, upload):
    response = upload(client_a, prompt, wav_bytes(), language="de")
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert_nothing_written(prompt)


def test_a_file_over_the_limit_is_refused_with_a_field_error(client_a, prompt, settings, upload):
    settings.PROMPT_UPLOAD_MAX_BYTES = 20_000
    response = upload(client_a, prompt, wav_bytes(seconds=3))  # 48 kB
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert_nothing_written(prompt)


def test_the_import_keeps_its_csrf_protection_with_the_size_limit_in_front(admin_a, prompt):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_a)
    url = reverse("customers:prompt_import", args=[prompt.pk])
    response = browser.post(
        url, {"language": "da", "file": SimpleUploadedFile("a.wav", wav_bytes())}
    )
    assert response.status_code == 403
    assert_nothing_written(prompt)


class CountingStream:
    """wsgi.input that counts what the server handed to Django."""

    def __init__(self, data):
        self.stream = io.BytesIO(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = self.stream.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        chunk = self.stream.readline(size)
        self.read_bytes += len(chunk)
        return chunk


def _multipart_request(file_bytes, content_length=None):
    body = encode_multipart(
        BOUNDARY, {"csrfmiddlewaretoken": "x", "file": SimpleUploadedFile("big.wav", file_bytes)}
    )
    stream = CountingStream(body)
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(content_length or len(body)),
        PATH_INFO="/upload/",
        **{"wsgi.input": stream},
    )
    return WSGIRequest(environ), stream, len(body)


@pytest.mark.parametrize("declared", ["exact", "chunked-like"])
def test_the_upload_handler_stops_reading_the_body_once_the_file_passes_the_limit(
    declared, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the rest would go to a temporary file
    file_bytes = b"\0" * 3_000_000
    request, stream, total = _multipart_request(file_bytes)
    if declared == "chunked-like":
        # a client that does not say the size up front is stopped by counting the bytes
        handler = SizeLimitUploadHandler(request, 200_000)
        handler.handle_raw_input = lambda *args, **kwargs: None
    else:
        handler = SizeLimitUploadHandler(request, 200_000)
    request.upload_handlers = [handler, *request.upload_handlers]
    assert request.POST["csrfmiddlewaretoken"] == "x"  # the fields before the file are kept
    assert "file" not in request.FILES
    assert request.upload_too_large
    assert stream.read_bytes < 400_000 < total


def test_the_upload_handler_lets_files_within_the_limit_through(settings):
    request, stream, total = _multipart_request(b"\1" * 50_000)
    request.upload_handlers = [SizeLimitUploadHandler(request, 200_000), *request.upload_handlers]
    assert request.FILES["file"].read() == b"\1" * 50_000
    assert not request.upload_too_large and stream.read_bytes == total


@needs_ffmpeg
def test_running_a_conversion_twice_changes_nothing_and_an_older_upload_never_wins(
    client_a, prompt, upload
):
    from customers.tasks import prompt_convert

    upload(client_a, prompt, wav_bytes(seconds=1.0))
    first = Job.objects.get()
    recording = PromptRecording.objects.get(prompt=prompt)
    file_name = recording.file.name
    assert prompt_convert(first.pk) is None  # a finished job is never run again
    recording.refresh_from_db()
    assert recording.file.name == file_name

    # an older job that a worker redelivers late does not replace the newer sound
    upload(client_a, prompt, wav_bytes(seconds=2.0))
    recording.refresh_from_db()
    assert recording.duration_ms == 2000
    Job.objects.filter(pk=first.pk).update(status=Job.Status.QUEUED)
    prompt_convert(first.pk)
    recording.refresh_from_db()
    assert recording.duration_ms == 2000


def test_removing_a_language_deletes_its_recordings_after_asking(client_a, org_a, prompt, commit):
    PromptRecordingFactory(prompt=prompt, language="en")
    PromptRecordingFactory(prompt=prompt, language="da")
    response = client_a.post(reverse("customers:languages"), {"action": "remove", "language": "en"})
    assert (
        "Velkommen" in response.content.decode()
    )  # asked first, saying which prompts lose a recording
    assert PromptRecording.objects.filter(language="en").exists()
    path = PromptRecording.objects.get(language="en").file.path
    with commit():
        client_a.post(
            reverse("customers:languages"), {"action": "remove", "language": "en", "confirm": "1"}
        )
    assert not os.path.exists(path)
    assert list(PromptRecording.objects.values_list("language", flat=True)) == ["da"]


# --- Optag filen: recording by phone -----------------------------------------------------------

TOKEN = "platform-secret-token"


@pytest.fixture
def locmem_platform(settings):
    from connect.lib import platform

    settings.PLATFORM_BACKEND = "locmem"
    settings.PLATFORM_API_TOKEN = TOKEN
    settings.PORTAL_BASE_URL = "https://connect.example"
    platform.outbox.clear()
    yield platform.outbox
    platform.outbox.clear()


def report(client, call, commit, token=TOKEN, **data):
    url = reverse("customers:platform_prompt_call", args=[call.reference])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    with commit():
        if "file" in data:
            return client.post(url, data, **headers)
        return client.post(url, json.dumps(data), content_type="application/json", **headers)


def start_call(client, prompt, number="88 88 77 65", language="da"):
    return client.post(
        reverse("customers:prompt_record", args=[prompt.pk]),
        {"language": language, "number": number},
    )


@needs_ffmpeg
def test_the_platform_calls_the_admin_and_the_page_follows_the_call_until_the_recording_is_ready(
    client, client_a, prompt, locmem_platform, commit
):
    page = client_a.get(reverse("customers:prompt_update", args=[prompt.pk])).content.decode()
    assert reverse("customers:prompt_record", args=[prompt.pk]) in page  # "Optag filen" is offered
    response = start_call(client_a, prompt)
    call = PromptCall.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "customers:prompt_call", args=[call.pk]
    )
    [request] = locmem_platform
    assert (request.number, request.language, request.prompt_name, request.reference) == (
        "+4588887765",
        "da",
        "Velkommen",
        call.reference,
    )
    assert request.callback_url == "https://connect.example" + reverse(
        "customers:platform_prompt_call", args=[call.reference]
    )

    status_url = reverse("customers:prompt_call_status", args=[call.pk])
    for step, label in (
        ("dialling", "Calling your phone"),
        ("answered", "Answered"),
        ("recording", "Recording"),
    ):
        assert report(client, call, commit, status=step).json() == {
            "reference": call.reference,
            "status": step,
        }
        partial = client_a.get(status_url).content.decode()
        assert 'aria-current="step">' + label in partial and "hx-get" in partial  # still polling

    recording_file = SimpleUploadedFile(
        "call.wav", wav_44k_stereo_24bit(seconds=2.0), content_type="audio/wav"
    )
    assert (
        report(client, call, commit, status="done", file=recording_file).json()["status"] == "done"
    )
    recording = PromptRecording.objects.get(prompt=prompt, language="da")
    assert (recording.status, recording.source, recording.duration_ms) == ("ready", "phone", 2000)
    partial = client_a.get(status_url).content.decode()
    assert "The recording is ready." in partial and "hx-get" not in partial  # polling stops
    assert reverse("customers:recording_audio", args=[recording.pk]) in partial


def test_the_platform_endpoint_wants_the_token_and_a_known_call(
    client, client_a, prompt, locmem_platform, commit
):
    start_call(client_a, prompt)
    call = PromptCall.objects.get()
    client.logout()
    assert report(client, call, commit, token="", status="dialling").status_code == 401
    assert report(client, call, commit, token="wrong", status="dialling").status_code == 401
    call.reference = "unknown"
    assert report(client, call, commit, status="dialling").status_code == 404
    call.refresh_from_db()
    assert report(client, call, commit, status="exploded").status_code == 400
    assert (
        report(client, call, commit, status="done").status_code == 400
    )  # done without the recording
    call.refresh_from_db()
    assert call.status == "requested"


@needs_ffmpeg
def test_a_recording_that_is_no_sound_fails_the_call_and_later_reports_change_nothing(
    client, client_a, prompt, locmem_platform, commit
):
    start_call(client_a, prompt)
    call = PromptCall.objects.get()
    report(
        client,
        call,
        commit,
        status="done",
        file=SimpleUploadedFile("x.wav", b"not audio at all" * 10),
    )
    call.refresh_from_db()
    assert call.status == "failed" and "not a sound file" in call.detail
    report(client, call, commit, status="recording")
    call.refresh_from_db()
    assert call.status == "failed"
    assert not Job.objects.exists()
    assert (
        "not a sound file"
        in client_a.get(reverse("customers:prompt_call", args=[call.pk])).content.decode()
    )


def test_a_recording_over_the_limit_is_refused_before_it_is_read(
    client, client_a, prompt, locmem_platform, commit, settings
):
    start_call(client_a, prompt)
    call = PromptCall.objects.get()
    settings.PROMPT_UPLOAD_MAX_BYTES = 20_000
    big = SimpleUploadedFile("call.wav", wav_bytes(seconds=3), content_type="audio/wav")
    response = report(client, call, commit, status="done", file=big)
    assert response.status_code == 413
    call.refresh_from_db()
    assert call.status == "requested" and not Job.objects.exists()


def test_a_call_the_platform_refuses_is_shown_as_failed(client_a, prompt, settings):
    settings.PLATFORM_BACKEND = "http"
    settings.PLATFORM_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    settings.PLATFORM_HTTP_TIMEOUT = 2
    response = start_call(client_a, prompt)
    call = PromptCall.objects.get()
    assert call.status == "failed"
    assert "could not place the call" in client_a.get(response.url).content.decode()


def test_the_http_backend_posts_the_request_with_the_token(client_a, prompt, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = {}

    class Platform(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received["path"] = self.path
            received["auth"] = self.headers.get("Authorization")
            received["body"] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Platform)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        settings.PLATFORM_BACKEND = "http"
        settings.PLATFORM_URL = f"http://127.0.0.1:{server.server_port}/api/"
        settings.PLATFORM_TOKEN = "to-the-platform"
        start_call(client_a, prompt, number="+4511223344", language="en")
        thread.join(10)
    finally:
        server.server_close()
    call = PromptCall.objects.get()
    assert call.status == "requested"
    assert (
        received["path"] == "/api/record-prompt/" and received["auth"] == "Bearer to-the-platform"
    )
    assert (
        received["body"]["number"] == "+4511223344"
        and received["body"]["reference"] == call.reference
    )
    assert received["body"]["type"] == "record_prompt" and received["body"]["language"] == "en"


@needs_ffmpeg
def test_the_console_backend_simulates_the_call_and_leaves_a_tone(
    client_a, prompt, settings, commit
):
    settings.PLATFORM_BACKEND = "console"
    start_call(client_a, prompt)
    call = PromptCall.objects.get()
    with commit():
        partial = client_a.get(
            reverse("customers:prompt_call_status", args=[call.pk])
        ).content.decode()
    assert 'aria-current="step">Calling your phone' in partial
    PromptCall.objects.filter(pk=call.pk).update(created_at=call.created_at - timedelta(seconds=30))
    with commit():
        client_a.get(reverse("customers:prompt_call_status", args=[call.pk]))
    call.refresh_from_db()
    recording = PromptRecording.objects.get(prompt=prompt, language="da")
    assert (call.status, recording.status, recording.source, recording.duration_ms) == (
        "done",
        "ready",
        "phone",
        2000,
    )


def test_recording_by_phone_is_not_offered_when_the_platform_cannot_call(
    client_a, prompt, settings
):
    settings.PLATFORM_BACKEND = "sip"
    page = client_a.get(reverse("customers:prompt_update", args=[prompt.pk])).content.decode()
    assert reverse("customers:prompt_record", args=[prompt.pk]) not in page
    assert (
        "not available"
        in client_a.get(reverse("customers:prompt_record", args=[prompt.pk])).content.decode()
    )
    assert start_call(client_a, prompt).status_code == 400
    assert not PromptCall.objects.exists()


def test_another_organisations_calls_answer_404(client_a, admin_b, prompt, locmem_platform):
    start_call(client_a, prompt)
    call = PromptCall.objects.get()
    client_a.force_login(admin_b)
    assert client_a.get(reverse("customers:prompt_call", args=[call.pk])).status_code == 404
    assert client_a.get(reverse("customers:prompt_call_status", args=[call.pk])).status_code == 404
    assert client_a.get(reverse("customers:prompt_record", args=[prompt.pk])).status_code == 404


def test_the_demo_has_the_prompts_of_demo_7_with_sound_that_plays(client):
    from django.core.management import call_command

    from customers.models import Organisation, User

    call_command("seed_demo", "--force", stdout=io.StringIO())
    call_command("seed_demo", "--force", stdout=io.StringIO())  # idempotent: no second tone
    demo = Organisation.objects.get(name="dialplantest4")
    system = dict(Prompt.objects.filter(organisation=None).values_list("name", "kind"))
    assert {
        name: system[name]
        for name in ("fpm-calmriver", "fpm-sunshine", "fpm-worldmix", "ventemusikSamlet", "Ringing")
    } == {
        "fpm-calmriver": "music",
        "fpm-sunshine": "music",
        "fpm-worldmix": "music",
        "ventemusikSamlet": "music",
        "Ringing": "prompt",
    }
    closed = Prompt.objects.get(organisation=demo, name="IpvisionLukket")
    assert closed.description == "Vi har lukket"
    assert sorted(closed.recordings.values_list("language", flat=True)) == ["da", "en"]
    client.force_login(User.objects.filter(organisation=demo, admin_profile="orgadmin").first())
    page = client.get(reverse("customers:prompt_list")).content.decode()
    assert page.count("<audio") == PromptRecording.objects.for_organisation(demo).count() >= 12
    recording = closed.recordings.get(language="da")
    with wave.open(recording.file.open("rb")) as sound:
        assert (sound.getframerate(), sound.getnchannels()) == (8000, 1)
    assert client.get(reverse("customers:recording_audio", args=[recording.pk])).status_code == 200
