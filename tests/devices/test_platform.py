"""'Gem og genindlæs': the SIP NOTIFY check-sync, tested against sipp acting as the phone."""

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from devices import platform
from tests.devices.factories import PhoneFactory

SCENARIO = Path(__file__).with_name("sipp_check_sync_uas.xml")


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    shutil.which("sipp") is None and not os.environ.get("CI"),
    reason="sipp is not installed (apt-get install sip-tester); in CI (CI set) the test runs and fails without it",
)
def test_notify_check_sync_answered_by_sipp(org_a, settings, tmp_path):
    port = _free_udp_port()
    settings.PLATFORM_BACKEND = "sip"
    settings.PLATFORM_SIP_PORT = port
    settings.PLATFORM_SIP_TIMEOUT = 8
    phone = PhoneFactory(organisation=org_a, model="mitel-6867i", mac="00085D1610DE", last_ip="127.0.0.1")
    proc = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIO), "-i", "127.0.0.1", "-p", str(port), "-m", "1", "-timeout", "15s",
         "-nostdin", "-trace_msg", "-message_file", str(tmp_path / "messages.log")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
    )
    try:
        # sipp needs a moment to bind; the backend retransmits (T1 doubling) so an early send is retried.
        result = platform.send_check_sync(phone)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert result.ok, (result, out)
    assert result.status == 200
    assert proc.returncode == 0, out.decode(errors="replace")
    log = (tmp_path / "messages.log").read_text()
    assert "NOTIFY sip:00085D1610DE@127.0.0.1" in log
    assert "Event: check-sync" in log


def test_no_answer_is_a_timeout_not_an_error(org_a, settings):
    port = _free_udp_port()
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", port))
    received = []
    t = threading.Thread(target=lambda: received.append(silent.recvfrom(65535)), daemon=True)
    t.start()
    settings.PLATFORM_BACKEND = "sip"
    settings.PLATFORM_SIP_PORT = port
    settings.PLATFORM_SIP_TIMEOUT = 0.6
    phone = PhoneFactory(organisation=org_a, model="mitel-6867i", last_ip="127.0.0.1")
    try:
        result = platform.send_check_sync(phone)
    finally:
        silent.close()
    assert not result.ok and result.detail == "timeout"
    t.join(1)
    assert b"Event: check-sync" in received[0][0]


def test_never_seen_phone_is_not_contacted(org_a, settings):
    settings.PLATFORM_BACKEND = "locmem"
    platform.outbox.clear()
    phone = PhoneFactory(organisation=org_a, model="mitel-6867i")
    result = platform.send_check_sync(phone)
    assert not result.ok and result.detail == "never seen"
    assert platform.outbox == []


def test_parse_response_matches_call():
    data = b"SIP/2.0 200 OK\r\nVia: x\r\ni: abc@connect\r\nCSeq: 1 NOTIFY\r\n\r\n"
    assert platform.parse_response(data) == (200, "abc@connect", "NOTIFY")
    assert platform.parse_response(b"garbage") is None
