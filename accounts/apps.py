"""Users, roles, profiles, invitations and sign-up policy."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """App configuration for ``accounts``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    # Not "Accounts": allauth's email-address app has that name in the admin index.
    verbose_name = _("Users and invitations")
