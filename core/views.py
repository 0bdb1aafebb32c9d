"""Site-wide views."""

from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse


def home(request):
    """Send signed-in users to their dashboard and everyone else to the curriculum overview."""
    if request.user.is_authenticated:
        try:
            return redirect(reverse("progress:dashboard"))
        except NoReverseMatch:
            pass
    return redirect("curriculum:overview")
