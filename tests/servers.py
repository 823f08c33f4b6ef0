"""Real servers in tests (gunicorn, Celery workers, local HTTP peers): a free port, the test
database's URL for a subprocess, and waiting until a started process listens."""

import socket
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url():
    """DATABASE_URL of pytest-django's test database, for a subprocess that must share it."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


def wait_until_listening(port, process, timeout=60):
    """True once something accepts connections on `port`; False when `process` exited or
    `timeout` seconds passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False
