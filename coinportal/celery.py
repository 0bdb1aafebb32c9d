"""The Celery application, configured from Django settings with the ``CELERY_`` namespace.

See https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coinportal.settings.local")

app = Celery("coinportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
