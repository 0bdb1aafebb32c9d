"""Per-request activation of the signed-in user's language and time zone."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


def language_cookie_set(response, language: str) -> None:
    """Set Django's language cookie on ``response`` with the ``LANGUAGE_COOKIE_*`` settings, as
    ``django.views.i18n.set_language`` does, so the choice holds for this browser."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class UserPreferencesMiddleware:
    """Activate the user's preferred time zone, and their language unless the browser chose one.

    Order in ``MIDDLEWARE``: after ``LocaleMiddleware`` (which picks a language from the cookie,
    then ``Accept-Language``) and after ``AuthenticationMiddleware`` (``request.user``).

    * Time zone: a signed-in user's ``time_zone`` (IANA name) is activated for the request, so
      templates and forms show local times; an unknown name, or an anonymous visitor, gets
      ``settings.TIME_ZONE``. See https://docs.djangoproject.com/en/5.2/topics/i18n/timezones/.
    * Language: a language picked with the switcher or saved on the profile page (Django's
      ``LANGUAGE_COOKIE_NAME`` cookie, when it names one of ``settings.LANGUAGES``) wins for that
      browser; otherwise a signed-in user's ``language`` applies, overriding ``Accept-Language``.
    * Signing out: when the request started signed in without a language cookie and ends signed
      out (the logout view), the language the user was served in is stored in the language cookie
      of the response. The "You have signed out." message is rendered in that language during the
      logout request, so the next (anonymous) page must not fall back to ``Accept-Language``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        profile_language = None
        if user is not None and user.is_authenticated:
            self._activate_time_zone(user.time_zone)
            if not self._cookie_language(request) and user.language in dict(settings.LANGUAGES):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
                profile_language = user.language
        else:
            timezone.deactivate()
        response = self.get_response(request)
        if (
            profile_language is not None
            and not request.user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in response.cookies
        ):
            language_cookie_set(response, profile_language)
        return response

    @staticmethod
    def _activate_time_zone(name: str) -> None:
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()

    @staticmethod
    def _cookie_language(request) -> str | None:
        value = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        return value if value in dict(settings.LANGUAGES) else None
