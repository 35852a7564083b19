# One image for web, worker and beat. Fonts and Pango come from Debian's packages at build time.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=p2c.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
       fonts-noto-core fonts-noto-cjk fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
RUN DJANGO_SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.sqlite3 DJANGO_ALLOWED_HOSTS=localhost \
    EMAIL_URL=consolemail:// python manage.py collectstatic --no-input
RUN useradd --system --home /app p2c && mkdir -p /app/media /app/private_media && chown -R p2c /app/media /app/private_media
USER p2c
EXPOSE 8000
CMD ["gunicorn", "p2c.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
