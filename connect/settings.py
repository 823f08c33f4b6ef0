"""Settings for the Connect portal, read from the environment (django-environ).

With nothing set the portal runs on SQLite with Celery tasks executed in-process, mail to the
console and SMS to the console: the README's run command works on a bare machine. Every variable
is listed in `.env.example` and in the README. Bad values fail loudly at start-up.
"""

import base64
import hashlib
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("CONNECT_TESTING", default="pytest" in sys.modules)

_DEV_SECRET = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "connect",
    "customers",
    "services",
    "functionnumbers",
    "devices",
    "provisioning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "provisioning.middleware.ProvisioningMiddleware",  # /prov/: phones, no session/auth/CSRF work
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "connect.middleware.UserLanguageMiddleware",
    "connect.middleware.OrganisationMiddleware",
    "connect.middleware.RefuseNulMiddleware",  # NUL in path/query/form: 400 (PostgreSQL can't store it)
    "connect.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "connect.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "connect.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "connect.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database (demo, bare machine): readers never block the writer (WAL), every
    # transaction takes the write lock when it starts (IMMEDIATE), so two concurrent writers queue
    # for up to `timeout` seconds instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Sign-in protection (django-axes): shared by the portal and the Django admin.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "connect.lib.signin.lockout_response"  # the template, with the real cool-off minutes
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# The second sign-in step posts "code": never stored in clear with a failed attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor sign-in (django-otp, connect/lib/signin.py): authenticator apps (TOTP) and recovery
# codes. OrgAdmins must enrol when their organisation requires it; staff when this is on.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Connect")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Seconds between a correct password and the code before the password must be entered again.
OTP_SIGNIN_SECONDS = 300

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates in British order with ISO short forms and a 24-hour clock (connect/formats/en).
FORMAT_MODULE_PATH = ["connect.formats"]
LANGUAGE_COOKIE_NAME = "connect_language"
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
# Voice prompts (ORG-5): the largest sound file accepted (refused while it streams in) and how
# long ffprobe/ffmpeg may take to check or convert one.
PROMPT_UPLOAD_MAX_BYTES = env.int("PROMPT_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
AUDIO_TOOL_TIMEOUT = env.float("AUDIO_TOOL_TIMEOUT", default=120.0)
if PROMPT_UPLOAD_MAX_BYTES <= 0 or AUDIO_TOOL_TIMEOUT <= 0:
    raise ImproperlyConfigured("PROMPT_UPLOAD_MAX_BYTES and AUDIO_TOOL_TIMEOUT must be positive.")
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Imports (connect/lib/imports): rows per file, LDIF entries per file, characters per line.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_LDIF_ENTRIES = env.int("IMPORT_MAX_LDIF_ENTRIES", default=50_000)
IMPORT_MAX_LINE_CHARS = env.int("IMPORT_MAX_LINE_CHARS", default=100_000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cache: Redis when configured (shared by every web process), else process-local.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's Redis backend, sharing one Redis client per pool (connect/lib/cache.py).
    CACHES = {"default": {"BACKEND": "connect.lib.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker when configured, else tasks run in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="connect")
# A task of a worker that died (acks_late) is delivered again after this many seconds (Redis).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE = {
    # Expire unconfirmed import previews, delete old export files, fail lost jobs (connect/lib/jobs.py).
    "jobs-cleanup": {"task": "customers.jobs_cleanup", "schedule": 3600.0},
    # Hand the outbound messages whose next attempt is due (or whose first task was lost) to a worker.
    "messages-retry": {"task": "customers.messages_retry", "schedule": 30.0},
}

# Mail through Django's backends: console by default, SMTP via EMAIL_URL (smtp+tls://u:p@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Connect <noreply@connect.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# SMS: console | file | http (see connect/lib/sms.py).
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
if SMS_BACKEND not in {"console", "file", "http", "locmem"}:
    raise ImproperlyConfigured("SMS_BACKEND must be console, file, http or locmem.")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sms-outbox"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="Connect")
if SMS_BACKEND == "http" and not SMS_GATEWAY_URL:
    raise ImproperlyConfigured("SMS_GATEWAY_URL must be set when SMS_BACKEND=http.")
# One SMS is submitted at most SMS_GATEWAY_RETRIES times (the first attempt included), each time
# with the same Idempotency-Key; retries wait SMS_GATEWAY_BACKOFF seconds doubling, each wait drawn
# between half and all of it (jitter), and none starts later than SMS_GATEWAY_DEADLINE seconds
# after the message was queued. A worker waits SMS_GATEWAY_TIMEOUT seconds for an answer; without
# a worker (tasks run eagerly, inside the web request) one attempt waits SMS_GATEWAY_EAGER_TIMEOUT
# and the retries are left to the customers.messages_retry beat task.
SMS_GATEWAY_RETRIES = env.int("SMS_GATEWAY_RETRIES", default=5)
SMS_GATEWAY_BACKOFF = env.float("SMS_GATEWAY_BACKOFF", default=30.0)
SMS_GATEWAY_DEADLINE = env.float("SMS_GATEWAY_DEADLINE", default=3600.0)
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
SMS_GATEWAY_EAGER_TIMEOUT = env.float("SMS_GATEWAY_EAGER_TIMEOUT", default=3.0)
if SMS_GATEWAY_RETRIES < 1:
    raise ImproperlyConfigured("SMS_GATEWAY_RETRIES must be at least 1 (the first attempt).")
if SMS_GATEWAY_BACKOFF < 0 or SMS_GATEWAY_DEADLINE <= 0 or SMS_GATEWAY_TIMEOUT <= 0 or SMS_GATEWAY_EAGER_TIMEOUT <= 0:
    raise ImproperlyConfigured("SMS_GATEWAY_BACKOFF must not be negative; the SMS deadline and timeouts must be positive.")

# Download links in the welcome message (USR-5).
CLIENT_DOWNLOAD_IOS_URL = env.str("CLIENT_DOWNLOAD_IOS_URL", default="https://apps.apple.com/app/connect")
CLIENT_DOWNLOAD_ANDROID_URL = env.str("CLIENT_DOWNLOAD_ANDROID_URL", default="https://play.google.com/store/apps/details?id=connect")
CLIENT_DOWNLOAD_DESKTOP_URL = env.str("CLIENT_DOWNLOAD_DESKTOP_URL", default="https://download.connect.example/desktop")

# Key for encrypting secrets at rest (SIP passwords). A urlsafe base64 Fernet key.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()

# Calendar connectors (ORG-3): "Test forbindelse" reaches out to an admin-typed URL. Private and
# loopback addresses are refused unless allowed here (tests and lab set-ups with a local server);
# link-local, multicast and reserved addresses are refused always.
CONNECTOR_ALLOW_PRIVATE_ADDRESSES = env.bool("CONNECTOR_ALLOW_PRIVATE_ADDRESSES", default=False)
CONNECTOR_TEST_TIMEOUT = env.float("CONNECTOR_TEST_TIMEOUT", default=5.0)
if not 0 < CONNECTOR_TEST_TIMEOUT <= 60:
    raise ImproperlyConfigured("CONNECTOR_TEST_TIMEOUT must be between 0 and 60 seconds.")
# Extra CA certificates (PEM file) trusted for connector servers, e.g. an internal Exchange CA.
CONNECTOR_CA_FILE = env.str("CONNECTOR_CA_FILE", default="")
if CONNECTOR_CA_FILE and not Path(CONNECTOR_CA_FILE).is_file():
    raise ImproperlyConfigured(f"CONNECTOR_CA_FILE {CONNECTOR_CA_FILE!r} is not a file.")

# Telephony platform.
SIP_REGISTRAR = env.str("SIP_REGISTRAR", default="sip.connect.example")
SIP_PROXY = env.str("SIP_PROXY", default=SIP_REGISTRAR)
NTP_SERVER = env.str("NTP_SERVER", default="pool.ntp.org")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
PROVISIONING_BASE_URL = env.str("PROVISIONING_BASE_URL", default=PORTAL_BASE_URL)
# The phones' lookup statement is kept prepared per connection (provisioning.queries); turn off
# behind a pooler that cannot keep prepared statements (pgbouncer in transaction mode < 1.21).
PROVISIONING_PREPARED_STATEMENTS = env.bool("PROVISIONING_PREPARED_STATEMENTS", default=True)
# A phone's own file holds its SIP passwords: served over plain HTTP only when this is on (the
# common files, which phones bootstrap from, are served over HTTP either way).
PROVISIONING_ALLOW_HTTP = env.bool("PROVISIONING_ALLOW_HTTP", default=DEBUG)
# Requests without a valid ticket one client address may send per minute before every request
# of it gets the 404 without a database query (counted in Redis, shared by all processes); 0 = off.
PROVISIONING_REFUSALS_PER_MINUTE = env.int("PROVISIONING_REFUSALS_PER_MINUTE", default=60)
# Answer phones' stored files before Django's handler (provisioning/fastpath.py, connect/wsgi.py);
# off: every /prov/ request takes the full Django path (same answers, more CPU per request).
PROVISIONING_FAST_PATH = env.bool("PROVISIONING_FAST_PATH", default=True)
# The fast path answers from each process's memory, kept current by PostgreSQL notifications
# (provisioning/memory.py; PostgreSQL only), for organisations of up to this many phones in all.
PROVISIONING_MEMORY = env.bool("PROVISIONING_MEMORY", default=not TESTING)
PROVISIONING_MEMORY_PHONES = env.int("PROVISIONING_MEMORY_PHONES", default=50_000)
USER_PORTAL_URL = env.str("USER_PORTAL_URL", default=PORTAL_BASE_URL)
PLATFORM_API_TOKEN = env.str("PLATFORM_API_TOKEN", default="")
PLATFORM_BACKEND = env.str("PLATFORM_BACKEND", default="sip")
if PLATFORM_BACKEND not in {"sip", "http", "console", "locmem"}:
    raise ImproperlyConfigured("PLATFORM_BACKEND must be sip, http, console or locmem.")
# The platform's HTTP API (PLATFORM_BACKEND=http): where the portal asks for recording calls.
PLATFORM_URL = env.str("PLATFORM_URL", default="")
PLATFORM_TOKEN = env.str("PLATFORM_TOKEN", default="")
PLATFORM_HTTP_TIMEOUT = env.float("PLATFORM_HTTP_TIMEOUT", default=10.0)
if PLATFORM_BACKEND == "http" and not PLATFORM_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("PLATFORM_URL (http:// or https://) must be set when PLATFORM_BACKEND=http.")

# Security. Production defaults when DEBUG is off; each can be overridden.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=not DEBUG) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
SECURE_REDIRECT_EXEMPT = [r"^prov/", r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not (DEBUG or TESTING))
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not (DEBUG or TESTING))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Security log (connect.lib.securitylog): one fail2ban-ready line per refused provisioning
# request, failed sign-in and lock-out. Ticket-like tokens are masked in the messages of the
# loggers that write request paths (gunicorn's are masked by provisioning.accesslog).
SECURITY_LOG_FILE = env.str("SECURITY_LOG_FILE", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_secrets": {"()": "connect.lib.securitylog.SecretMaskingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # No milliseconds: fail2ban's datepattern cuts exactly the date and time.
        "security": {"format": "%(asctime)s connect-security %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {
            "class": "logging.FileHandler" if SECURITY_LOG_FILE else "logging.StreamHandler",
            **({"filename": SECURITY_LOG_FILE} if SECURITY_LOG_FILE else {}),
            "formatter": "security",
        },
        # runserver's request lines, as Django's default logging writes them.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "connect.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.request": {"filters": ["mask_secrets"]},
        "django.security.csrf": {"filters": ["mask_secrets"]},
        "django.server": {"handlers": ["django.server"], "filters": ["mask_secrets"], "level": "INFO", "propagate": False},
    },
}
