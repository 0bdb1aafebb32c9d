"""Template context shared by every page."""

from django.conf import settings


def navigation(request):
    """Flags the base layout uses to build the navigation for the current user's role.

    Returns a dict with ``nav_is_mentor`` and ``nav_is_admin`` (bools) and ``languages``.
    """
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "nav_is_mentor": authenticated and (user.is_mentor or user.is_staff),
        "nav_is_admin": authenticated and user.is_staff,
        "languages": settings.LANGUAGES,
    }
