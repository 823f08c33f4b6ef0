"""Bench only: a bare WSGI application (no Django) answering BARE_BODY_SIZE bytes, run by
bench_provisioning.py in the same gunicorn settings as the portal: what gunicorn itself costs
per request, the floor under any answer it gives."""

import os

BODY = b"x" * int(os.environ.get("BARE_BODY_SIZE", "2048"))
HEADERS = [("Content-Type", "application/xml"), ("Content-Length", str(len(BODY))), ("Cache-Control", "no-store")]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
