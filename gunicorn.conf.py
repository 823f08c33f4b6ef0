"""gunicorn settings for the web service (docker-compose.yml: `gunicorn -c gunicorn.conf.py`).

Read from the environment: PORT (8000), WEB_CONCURRENCY (2 x cores + 1 worker processes),
GUNICORN_WORKER_CLASS (gthread), GUNICORN_THREADS (1), GUNICORN_TIMEOUT (60 s),
GUNICORN_MAX_REQUESTS (20000),
FORWARDED_ALLOW_IPS (addresses of the TLS proxy, default all: the
container is only reachable through it).
"""

import multiprocessing
import os

wsgi_app = "connect.wsgi:application"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# gthread keeps idle connections (a TLS proxy's, a phone's) open without holding the worker;
# one thread per process: a second thread in the same process mostly waits for the GIL.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Load the app once in the master: a restarted worker is ready at once (a phone boot storm
# must not pay a CPU-second per restart). Restart workers now and then so a slow leak can never
# take a process down, but rarely enough that a storm does not trigger it.
preload_app = True
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Access log without query strings. Provisioning tickets are path segments (/prov/<ticket>/...):
# the logger masks every ticket-like token in every access- and error-log line, however the path
# is spelt (PRV-5: tickets never appear in any log).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
logger_class = "provisioning.accesslog.TicketMaskingLogger"
