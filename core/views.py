"""Site-wide views: the home redirect and the health endpoint."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report


@require_GET
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
