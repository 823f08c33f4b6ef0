"""A real local SMS gateway for tests: a threading http.server on a free port.

`Gateway(script)` answers the n-th request as `script[n]` says (then 200): an HTTP status, or
SLOW: accept and deliver the message but answer only when the test ends (`hold` seconds at most),
i.e. after the client's timeout. With `honours_key` (the default) it follows the contract in
connect/lib/sms.py: a repeated Idempotency-Key of an accepted message gets the original answer
(late again, when the script says SLOW) and is not delivered again. `requests` records every request (headers, key, body), `deliveries` every
message handed on to a phone.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW = "slow"


class Gateway:
    def __init__(self, script=(), honours_key=True, hold=5.0):
        self.script = list(script)
        self.honours_key = honours_key
        self.hold = hold
        self.requests = []
        self.deliveries = []
        self.accepted = {}  # idempotency key -> reference
        self.lock = threading.Lock()
        self.release = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                key = self.headers.get("Idempotency-Key", "")
                with gateway.lock:
                    gateway.requests.append(
                        {"headers": dict(self.headers), "key": key, "body": body}
                    )
                    action = gateway.script.pop(0) if gateway.script else 200
                    if gateway.honours_key and key and key in gateway.accepted:
                        action, reference = (SLOW if action == SLOW else 200), gateway.accepted[key]
                    elif action == SLOW or action < 300:
                        reference = f"msg-{len(gateway.deliveries) + 1}"
                        gateway.deliveries.append(body)
                        gateway.accepted[key] = reference
                    else:
                        reference = ""
                if action == SLOW:
                    gateway.release.wait(gateway.hold)
                    action = 200
                self.answer(action, {"id": reference} if action < 300 else {"error": "x"})

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=lambda: self.server.serve_forever(poll_interval=0.05), daemon=True
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def keys(self):
        return [r["key"] for r in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
