"""Template filters shared by every app."""

from django import template

from core.percent import percent_round

register = template.Library()


@register.filter
def percent(value, places: int = 0):
    """``{{ value|percent }}``: a completion percentage rounded by :func:`core.percent.percent_round`
    (``16.67`` → ``17``); ``""`` for ``None`` or a value that is not a number."""
    try:
        shown = percent_round(None if value is None or value == "" else float(value), int(places))
    except (TypeError, ValueError):
        return ""
    return "" if shown is None else shown
