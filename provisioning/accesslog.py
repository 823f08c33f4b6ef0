"""A gunicorn logger that keeps provisioning tickets out of the access log (PRV-5).

The ticket is a path segment (/prov/<ticket>/...), so leaving out the query string is not
enough: every access-log atom the format uses (request line, path, raw URI, referer, environ,
headers) has the segment after /prov/ replaced by ***. Atoms are masked when the format reads
them, so the cost does not grow with the number of headers. Enable it in gunicorn.conf.py::

    logger_class = "provisioning.accesslog.TicketMaskingLogger"
"""

import re

from gunicorn.glogging import Logger, SafeAtoms

_PROV_SEGMENT = re.compile(r"/prov/[^/?#\s]*")


def mask(value):
    if isinstance(value, str) and "/prov/" in value:
        return _PROV_SEGMENT.sub("/prov/***", value)
    return value


class MaskedAtoms(SafeAtoms):
    def __getitem__(self, key):
        return mask(super().__getitem__(key))

    def get(self, key, default=None):
        return mask(super().get(key, default))

    def values(self):
        return [mask(value) for value in super().values()]

    def items(self):
        return [(key, mask(value)) for key, value in super().items()]


class TicketMaskingLogger(Logger):
    atoms_wrapper_class = MaskedAtoms
