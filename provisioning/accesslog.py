"""A gunicorn logger that keeps provisioning tickets out of its logs (PRV-5).

Every line of the access log and of the error log goes through
connect.lib.securitylog.SecretMaskingFilter: ticket-like tokens are masked wherever they stand
(the path in any spelling, /prov//<T>/, /Prov/<T>, %20<T>, percent-encoded, the query string, the
Referer, any header or environ atom the format uses) and control characters are escaped. The
filter masks the finished line, so its cost does not depend on the atoms the format uses.
Enable it in gunicorn.conf.py::

    logger_class = "provisioning.accesslog.TicketMaskingLogger"
"""

from gunicorn.glogging import Logger

from connect.lib.securitylog import SecretMaskingFilter


class TicketMaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)  # also run again on a configuration reload (HUP): add the filter once
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, SecretMaskingFilter) for f in log.filters):
                log.addFilter(SecretMaskingFilter())
