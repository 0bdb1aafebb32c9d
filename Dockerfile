# COIN Portal application image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=coinportal.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 coin

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=coin:coin . .
# collectstatic needs a secret key only to import settings; the real one comes from .env at run time.
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only-0000 \
    python manage.py collectstatic --noinput \
    && SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only-0000 \
    python manage.py compilemessages --ignore '.venv/*' \
    && mkdir -p /app/media && chown -R coin:coin /app/media /app/staticfiles

USER coin
EXPOSE 8000
CMD ["gunicorn", "coinportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
