"""UserPreferencesMiddleware: the signed-in user's time zone and language are active in the view."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone, translation
from freezegun import freeze_time

from accounts.middleware import UserPreferencesMiddleware
from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(user, cookies=None):
    """Pass a request through the middleware; return (time zone name, language) seen by the view."""
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        seen["lang"] = translation.get_language()
        seen["request_lang"] = getattr(request, "LANGUAGE_CODE", None)
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = user
    request.COOKIES.update(cookies or {})
    translation.activate("zh-hans")  # what LocaleMiddleware picked before us
    UserPreferencesMiddleware(view)(request)
    return seen


def test_activates_the_users_time_zone():
    user = UserFactory(time_zone="America/New_York")
    assert _run(user)["tz"] == "America/New_York"


def test_unknown_stored_time_zone_falls_back_to_the_site_default(settings):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(time_zone="Mars/Olympus_Mons")  # bypasses validation
    user.refresh_from_db()
    assert _run(user)["tz"] == settings.TIME_ZONE == "Asia/Shanghai"


def test_anonymous_visitor_gets_the_site_time_zone_even_after_a_signed_in_request():
    _run(UserFactory(time_zone="Europe/London"))
    assert _run(AnonymousUser())["tz"] == "Asia/Shanghai"


def test_users_language_applies_without_cookie():
    seen = _run(UserFactory(language="en"))
    assert (seen["lang"], seen["request_lang"]) == ("en", "en")


def test_language_cookie_wins_over_the_users_language(settings):
    seen = _run(UserFactory(language="en"), cookies={settings.LANGUAGE_COOKIE_NAME: "zh-hans"})
    assert seen["lang"] == "zh-hans"


def test_unsupported_cookie_value_does_not_block_the_users_language(settings):
    seen = _run(UserFactory(language="en"), cookies={settings.LANGUAGE_COOKIE_NAME: "klingon"})
    assert seen["lang"] == "en"


def test_anonymous_language_is_left_to_locale_middleware():
    assert _run(AnonymousUser())["lang"] == "zh-hans"


@freeze_time("2026-01-10 00:00:00+00:00")
def test_time_zone_is_active_in_a_real_request(client):
    """Through the whole middleware stack: the profile shows the local time of the user's zone."""
    client.force_login(UserFactory(time_zone="Pacific/Auckland"))  # UTC+13 in January (summer time)
    content = client.get("/me/profile/").content.decode()
    assert "Local time in Pacific/Auckland:" in content
    assert '<time id="local-time">2026-01-10 13:00</time>' in content
