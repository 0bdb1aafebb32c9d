"""System checks of the reminders app."""

from django.conf import settings
from django.core.checks import Warning, register


# A deployment check (`manage.py check --deploy`): development and tests run on plain http.
@register(deploy=True)
def site_url_is_https(app_configs, **kwargs):
    """``reminders.W001`` (deploy check): outside DEBUG, ``SITE_URL`` should be https, because the unsubscribe links
    in mails are built from it and RFC 8058 one-click unsubscribe requires an https URI."""
    if settings.DEBUG or settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            "SITE_URL is not an https:// address; unsubscribe links in reminder mails will use it.",
            hint="Set SITE_URL to the portal's public https address (RFC 8058 one-click unsubscribe needs https).",
            id="reminders.W001",
        )
    ]
