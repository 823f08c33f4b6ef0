"""The background writer lets a boot storm pass before writing "last seen", within bounds."""

import time

from provisioning import fetchlog


def test_writer_waits_while_the_process_serves_phones_and_then_writes(monkeypatch):
    monkeypatch.setattr(fetchlog, "BUSY_SECONDS", 0.05)
    monkeypatch.setattr(fetchlog, "pending", lambda: 10)
    monkeypatch.setattr(fetchlog, "_last_queued", time.monotonic())
    started = time.monotonic()
    fetchlog._wait_while_busy()
    assert 0.03 <= time.monotonic() - started < 1


def test_writer_stops_waiting_when_the_backlog_is_too_long(monkeypatch):
    monkeypatch.setattr(fetchlog, "BUSY_SECONDS", 10)
    monkeypatch.setattr(fetchlog, "pending", lambda: fetchlog.MAX_DEFER_BACKLOG)
    monkeypatch.setattr(fetchlog, "_last_queued", time.monotonic())
    started = time.monotonic()
    fetchlog._wait_while_busy()
    assert time.monotonic() - started < 1
