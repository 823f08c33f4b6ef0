"""A gunicorn logger that keeps provisioning tickets out of its logs (PRV-5).

Every line of the access log and of the error log goes through
connect.lib.securitylog's masking: ticket-like tokens are masked wherever they stand (the path
in any spelling, /prov//<T>/, /Prov/<T>, %20<T>, percent-encoded, the query string, the Referer,
any header or environ atom the format uses) and control characters are escaped. The masking
works on the finished line, so its cost does not depend on the atoms the format uses. Enable it
in gunicorn.conf.py::

    logger_class = "provisioning.accesslog.TicketMaskingLogger"

The access log is written on every request, so it is written cheaply (issue 14: gunicorn's own
way cost about as much as answering a phone): when the format uses only gunicorn's plain atoms
(h, l, u, t, r, s, m, U, q, H, b, B, f, a, T, D, M, L, p, each as ``%(x)s``), the line is
formatted from just those atoms, masked once and handed to the access log's handlers as a
finished record. The line is the one gunicorn's Logger.access writes (tests compare them).
Any other format (header, response header or environ atoms, other conversions) goes gunicorn's
way, masked by SecretMaskingFilter.
"""

import logging
import os
import re
import time

from gunicorn.glogging import Logger

from connect.lib.securitylog import SecretMaskingFilter, mask, one_line


def _quoted(value):
    """As gunicorn's SafeAtoms hands a value to the format."""
    return value.replace('"', '\\"') if isinstance(value, str) else value


def _status(resp):
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


# Each plain atom as gunicorn's Logger.atoms computes it, from (logger, response, environ,
# request time); quoted as SafeAtoms quotes it.
_PLAIN = {
    "h": lambda log, resp, environ, took: _quoted(environ.get("REMOTE_ADDR", "-")),
    "l": lambda log, resp, environ, took: "-",
    "u": lambda log, resp, environ, took: _quoted(log._get_user(environ) or "-"),
    "t": lambda log, resp, environ, took: log._now_atom(),
    "r": lambda log, resp, environ, took: _quoted(
        f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
    ),
    "s": lambda log, resp, environ, took: _quoted(_status(resp)),
    "m": lambda log, resp, environ, took: _quoted(environ.get("REQUEST_METHOD")),
    "U": lambda log, resp, environ, took: _quoted(environ.get("PATH_INFO")),
    "q": lambda log, resp, environ, took: _quoted(environ.get("QUERY_STRING")),
    "H": lambda log, resp, environ, took: _quoted(environ.get("SERVER_PROTOCOL")),
    "b": lambda log, resp, environ, took: getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
    "B": lambda log, resp, environ, took: getattr(resp, "sent", None),
    "f": lambda log, resp, environ, took: _quoted(environ.get("HTTP_REFERER", "-")),
    "a": lambda log, resp, environ, took: _quoted(environ.get("HTTP_USER_AGENT", "-")),
    "T": lambda log, resp, environ, took: took.seconds,
    "D": lambda log, resp, environ, took: took.seconds * 1000000 + took.microseconds,
    "M": lambda log, resp, environ, took: took.seconds * 1000 + int(took.microseconds / 1000),
    "L": lambda log, resp, environ, took: f"{took.seconds:d}.{took.microseconds:06d}",
    "p": lambda log, resp, environ, took: f"<{os.getpid()}>",
}
_FORMAT = re.compile(r"(?:[^%]|%\([A-Za-z]\)s)*")  # a character at a time: no runaway backtracking
_PLAIN_ATOM = re.compile(r"%\(([A-Za-z])\)s")


def _plain_atoms(log_format):
    """The atoms a format names when they are all plain ``%(x)s`` ones, else None."""
    if not log_format or not _FORMAT.fullmatch(log_format):
        return None
    names = _PLAIN_ATOM.findall(log_format)
    return names if all(name in _PLAIN for name in names) else None


class TicketMaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)  # also run again on a configuration reload (HUP): add the filter once
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, SecretMaskingFilter) for f in log.filters):
                log.addFilter(SecretMaskingFilter())
        names = _plain_atoms(cfg.access_log_format)
        self._line_format = None if names is None else _PLAIN_ATOM.sub("%s", cfg.access_log_format)
        self._atoms = [_PLAIN[name] for name in names or ()]
        self._now = (None, "")  # (second, gunicorn's %(t)s for it)

    def access(self, resp, req, environ, request_time):
        if self._line_format is None:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled or not self.access_log.isEnabledFor(logging.INFO):
            return
        try:
            line = self._line_format % tuple([atom(self, resp, environ, request_time) for atom in self._atoms])
        except Exception:  # noqa: BLE001 - as gunicorn's own access(): reported, never raised
            self.error("Could not write an access log line", exc_info=True)
            return
        record = self.access_log.makeRecord(
            self.access_log.name, logging.INFO, __file__, 0, one_line(mask(line)), None, None
        )
        record.connect_masked = True  # SecretMaskingFilter: nothing left to mask
        self.access_log.handle(record)

    def _now_atom(self):
        """gunicorn's %(t)s, formatted once a second."""
        second = int(time.time())
        if self._now[0] != second:
            self._now = (second, self.now())
        return self._now[1]
