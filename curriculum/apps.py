"""The curriculum: sections, resources, papers, prerequisites; guide import/export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurriculumConfig(AppConfig):
    """App configuration for ``curriculum``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "curriculum"
    verbose_name = _("Curriculum")
