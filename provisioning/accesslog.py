"""A gunicorn logger that keeps provisioning tickets out of its logs (PRV-5).

Every line of the access log and of the error log goes through
connect.lib.securitylog.SecretMaskingFilter: ticket-like tokens are masked wherever they stand
(the path in any spelling, /prov//<T>/, /Prov/<T>, %20<T>, percent-encoded, the query string, the
Referer, any header or environ atom the format uses) and control characters are escaped. The
filter masks the finished line, so its cost does not depend on the atoms the format uses.
Enable it in gunicorn.conf.py::

    logger_class = "provisioning.accesslog.TicketMaskingLogger"

It also spares every request a cost the format does not need: gunicorn offers each request
header, response header and environ entry as an atom (``%({user-agent}i)s``...), copying them all
for every line. When the format names none of them, only the entries the plain atoms read are
handed on (issue 14: a phone's fetch costs about as much as that copying).
"""

import re

from gunicorn.glogging import Logger

from connect.lib.securitylog import SecretMaskingFilter

# What gunicorn's plain atoms (h, l, u, t, r, s, m, U, q, H, b, B, f, a, T, D, M, L, p) read.
_PLAIN_ENVIRON = (
    "REMOTE_ADDR", "REQUEST_METHOD", "RAW_URI", "SERVER_PROTOCOL", "PATH_INFO", "QUERY_STRING",
    "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_AUTHORIZATION",
)
_HEADER_ATOM = re.compile(r"%\(\{")


class TicketMaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)  # also run again on a configuration reload (HUP): add the filter once
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, SecretMaskingFilter) for f in log.filters):
                log.addFilter(SecretMaskingFilter())

    def atoms(self, resp, req, environ, request_time):
        if _HEADER_ATOM.search(self.cfg.access_log_format or ""):
            return super().atoms(resp, req, environ, request_time)
        plain = {name: environ[name] for name in _PLAIN_ENVIRON if name in environ}
        return super().atoms(resp, (), plain, request_time)
