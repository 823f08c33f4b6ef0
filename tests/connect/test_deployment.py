"""Production configuration: check --deploy is clean, the compose stack is complete, every
environment variable of connect/settings.py is documented, and migrations match the models."""

import base64
import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(settings.BASE_DIR)
ENV_VAR = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_variables():
    return sorted(set(ENV_VAR.findall((BASE_DIR / "connect" / "settings.py").read_text())))


def production_env(**extra):
    """A clean environment as a production host has it: no DEBUG, real secrets."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "connect.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "connect.example.com",
        "DATABASE_URL": f"sqlite:///{BASE_DIR / 'deploy-check-unused.sqlite3'}",
    }
    env.update(extra)
    return env


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_the_encryption_key():
    env = production_env()
    del env["FIELD_ENCRYPTION_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set" in result.stderr


def test_migrations_match_the_models(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations --check found model changes without migrations:\n{out.getvalue()}\n{exc}")


def test_every_settings_variable_is_documented_in_env_example_and_readme():
    variables = settings_variables()
    assert "DATABASE_URL" in variables and "SECRET_KEY" in variables  # the regex finds them
    env_example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", env_example, re.MULTILINE))
    missing_env = [name for name in variables if name not in listed]
    missing_readme = [name for name in variables if f"`{name}`" not in readme]
    assert not missing_env, f"add to .env.example: {missing_env}"
    assert not missing_readme, f"document in README.md (as `NAME`): {missing_readme}"


def test_compose_file_describes_the_production_stack():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "connect", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "connect", "beat"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (BASE_DIR / "Dockerfile").exists()
    assert "gunicorn.conf.py" in (BASE_DIR / "Dockerfile").read_text()


def test_gunicorn_configuration_loads():
    namespace = {}
    exec(compile((BASE_DIR / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    assert namespace["wsgi_app"] == "connect.wsgi:application"
    assert namespace["bind"].endswith(":8000")
    assert namespace["workers"] >= 1


PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG, "
    "'email': s.EMAIL_BACKEND, 'sms': s.SMS_BACKEND}))"
)


def read_settings(**env):
    import json

    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "HOME": "/tmp", "DJANGO_SETTINGS_MODULE": "connect.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_nothing_set_the_portal_runs_embedded():
    """The README's demo command needs no PostgreSQL, Redis or worker."""
    embedded = read_settings(DEBUG="1")
    assert embedded == {
        "db": "django.db.backends.sqlite3",
        "eager": True,
        "broker": "",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "debug": True,
        "email": "django.core.mail.backends.console.EmailBackend",
        "sms": "console",
    }


def test_production_stack_settings_come_from_the_environment():
    stack = read_settings(
        **production_env(
            DATABASE_URL="postgres://connect:secret@db:5432/connect",
            REDIS_URL="redis://redis:6379/0",
            CELERY_BROKER_URL="redis://redis:6379/1",
            EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        )
    )
    assert stack["db"] == "django.db.backends.postgresql"
    assert stack["eager"] is False and stack["broker"] == "redis://redis:6379/1"
    assert stack["cache"] == "connect.lib.cache.RedisCache"
    assert stack["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert stack["debug"] is False


def test_bad_values_fail_loudly_at_start_up():
    result = run_manage("check", env=production_env(SMS_BACKEND="carrier-pigeon"))
    assert result.returncode != 0 and "SMS_BACKEND must be" in result.stderr
    result = run_manage("check", env=production_env(SMS_BACKEND="http"))
    assert result.returncode != 0 and "SMS_GATEWAY_URL must be set" in result.stderr
    result = run_manage("check", env=production_env(SMS_GATEWAY_RETRIES="0"))
    assert result.returncode != 0 and "SMS_GATEWAY_RETRIES must be at least 1" in result.stderr
    result = run_manage("check", env=production_env(SMS_GATEWAY_EAGER_TIMEOUT="0"))
    assert result.returncode != 0 and "timeouts must be positive" in result.stderr
