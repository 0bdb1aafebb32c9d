"""Site-wide views: the home redirect, the health endpoint and the /favicon.ico redirect."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report


@require_GET
def home(request):
    """The start page of each role: mentors and admins who are not students go to their cohorts,
    students to their dashboard, anonymous visitors to the curriculum overview."""
    user = request.user
    if not user.is_authenticated:
        return redirect("curriculum:overview")
    if (user.is_mentor or user.is_staff) and not user.is_student:
        return redirect("cohorts:mentor_home")
    return redirect("progress:dashboard")


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
