# Spends Tracker production image: gunicorn on Python 3.11, static files collected, non-root.
# Build: docker build -t spends-tracker .      Run: see docker-compose.yml

# --- build stage: compile wheels for every dependency -------------------------------------------------
FROM python:3.11-slim-trixie AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- runtime stage -------------------------------------------------------------------------------------
FROM python:3.11-slim-trixie AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH" \
    DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles
# postgresql-client: pg_dump / pg_restore for backups. Debian trixie ships client 17, which can dump the
# compose file's PostgreSQL 16 (pg_dump must be at least the server's major version).
# tesseract-ocr (+ English, German, French): receipt photos and scans (POST /api/receipts/suggest).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system spends && useradd --system --gid spends --home /app spends \
    && mkdir -p /data/media /data/backups && chown -R spends:spends /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# collectstatic needs settings, not secrets: a throwaway key for this one command.
RUN SECRET_KEY=collectstatic-only-not-a-real-secret-0123456789 python manage.py collectstatic --no-input -v0
USER spends
VOLUME ["/data"]
EXPOSE 8000
# Exec form everywhere (hadolint DL3025): no shell in between, so signals reach the program itself.
# deploy/healthcheck.py asks GET /api/health on GUNICORN_BIND's port and exits 0 (healthy) or 1 (unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
# gunicorn is PID 1: `docker stop` sends it SIGTERM, and it finishes the requests in flight (graceful_timeout)
# before it exits. tests/twonode starts its nodes with this argv (read from this file) and stops them so.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "spends.wsgi"]
