"""Per-request activation of the signed-in user's language and time zone."""

import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Activate the user's preferred time zone, and their language unless the request chose one.

    A language picked with the switcher (Django's ``set_language`` cookie) wins for that browser;
    otherwise a signed-in user's ``language`` applies. Runs after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            from django.conf import settings

            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        return self.get_response(request)
