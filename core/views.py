"""Site-wide views: the home redirect and the health endpoint."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report


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
