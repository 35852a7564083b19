# One image for web (gunicorn), worker and beat (Celery) and the one-off migrate job: docker-compose.yml.
# Fonts, Pango and the PostgreSQL client (scripts/backup.sh, restore.sh) come from Debian's packages at build
# time; nothing is downloaded when a container starts.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=p2c.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
       fonts-noto-core fonts-noto-cjk fonts-dejavu-core curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
# Static files are collected into the image (and again when web starts, which finds nothing new).
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 DJANGO_ALLOWED_HOSTS=localhost \
    REDIS_URL=redis://localhost:6379/0 EMAIL_URL=consolemail:// python manage.py collectstatic --no-input -v 0 \
    && rm -f /tmp/build.sqlite3
RUN useradd --system --home /app p2c \
    && mkdir -p /app/media /app/private_media /app/staticfiles \
    && chown -R p2c /app/media /app/private_media /app/staticfiles
USER p2c
EXPOSE 8000
# Workers: $WEB_CONCURRENCY (gunicorn reads it; default 3 here). Each request is logged by the app with its
# request ID (p2c/middleware.py), so gunicorn's own access log stays off.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "p2c.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "60", "--graceful-timeout", "30", \
     "--max-requests", "2000", "--max-requests-jitter", "200"]
