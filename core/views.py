"""Site-wide views: the home redirect, the health endpoint and the /favicon.ico redirect."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report


def home(request):
    """Send signed-in users to their dashboard and everyone else to the curriculum overview."""
    if request.user.is_authenticated:
        try:
            return redirect(reverse("progress:dashboard"))
        except NoReverseMatch:
            pass
    return redirect("curriculum:overview")


@never_cache
@require_GET
def healthz(request):
    """``GET /healthz``: 200 with ``{"status": "ok", "checks": {...}}`` or 503 naming what failed."""
    healthy, checks = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


#: How long browsers may keep the /favicon.ico redirect, in seconds (one day).
FAVICON_REDIRECT_MAX_AGE = 24 * 60 * 60


@require_GET
def favicon(request):
    """``GET /favicon.ico``: a temporary redirect (302) to the site icon ``static/img/favicon.svg``.

    Pages built on ``base.html`` name the icon with ``<link rel="icon">``; browsers still ask for
    ``/favicon.ico`` on pages without it (Django admin, raw files), and a 404 there shows up as a
    console error. Not permanent: in production the static URL carries a content hash that changes
    with the file, so the redirect is cached for :data:`FAVICON_REDIRECT_MAX_AGE` seconds only.
    """
    response = redirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=FAVICON_REDIRECT_MAX_AGE)
    return response
