"""The gunicorn access log never shows a provisioning ticket."""

import datetime
import logging

from gunicorn.config import Config

from provisioning.accesslog import TicketMaskingLogger

TICKET = "Bk95o51QITIrXeE5qHzNIvQLB1xqDi7AV8nVT8lCtxg"


class Response:
    status = "200 OK"
    sent = 2364
    headers = [("Content-Type", "application/xml")]


def test_access_log_masks_the_ticket_everywhere():
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(U)s %(s)s "%(f)s" %({raw_uri}e)s')
    logger = TicketMaskingLogger(config)
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger.access_log.addHandler(Capture())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/prov/{TICKET}/snom/000413A1B2C3.xml",
        "PATH_INFO": f"/prov/{TICKET}/snom/000413A1B2C3.xml",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.23",
        "HTTP_REFERER": f"https://x.example/prov/{TICKET}/mitel/",
    }
    logger.access(Response(), environ, environ, datetime.timedelta(milliseconds=3))
    assert lines and TICKET not in lines[0]
    assert lines[0].count("/prov/***/") == 4
    assert "/snom/000413A1B2C3.xml" in lines[0]
