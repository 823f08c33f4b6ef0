# The Connect portal image: web (gunicorn), Celery worker and beat all run from it
# (see docker-compose.yml). Dependencies come from uv.lock, like ./scripts/test.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext ffmpeg graphviz \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv \
    && useradd --system --create-home --home-dir /app connect

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY --chown=connect:connect . .
# Translations and static files are built into the image; the keys are throw-away build values.
RUN DEBUG=0 SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1rZXktYnVpbGQtb25seS1rZXkhISE= \
        python manage.py compilemessages --ignore=.venv \
    && DEBUG=0 SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1rZXktYnVpbGQtb25seS1rZXkhISE= \
        STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/sms-outbox \
    && chown -R connect:connect /app/media /app/sms-outbox /app/staticfiles /app/locale

USER connect
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
