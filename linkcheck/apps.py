"""Scheduled verification of resource and paper links."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkcheckConfig(AppConfig):
    """App configuration for ``linkcheck``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "linkcheck"
    verbose_name = _("Link health")
