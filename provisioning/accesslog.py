"""A gunicorn logger that keeps provisioning tickets out of the access log (PRV-5).

The ticket is a path segment (/prov/<ticket>/...), so leaving out the query string is not
enough: every access-log atom (request line, path, raw URI, referer, environ) gets the segment
after /prov/ replaced by ***. Enable it in gunicorn.conf.py::

    logger_class = "provisioning.accesslog.TicketMaskingLogger"
"""

import re

from gunicorn.glogging import Logger

_PROV_SEGMENT = re.compile(r"/prov/[^/?#\s]*")


def mask(value):
    if isinstance(value, str) and "/prov/" in value:
        return _PROV_SEGMENT.sub("/prov/***", value)
    return value


class TicketMaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: mask(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
