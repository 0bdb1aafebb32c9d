"""Cohorts, enrollments, pace plans and mentor dashboards."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    """App configuration for ``cohorts``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cohorts"
    verbose_name = _("Cohorts")

    def ready(self):
        from cohorts import signals  # noqa: F401  (connects the receivers)
