"""Per-student topic progress, paper reading list, progress events and the student dashboard."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    """App configuration for ``progress``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "progress"
    verbose_name = _("Progress")
