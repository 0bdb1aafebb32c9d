"""Inactivity nudges, behind-schedule notices and mentor digests by email."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """App configuration for ``reminders``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from reminders import checks  # noqa: F401  (registers the system checks)
