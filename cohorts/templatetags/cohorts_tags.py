"""Template tags of the cohorts app."""

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag
def heat_cells(row) -> str:
    """The ``<td>`` heat cells of one matrix row (:class:`cohorts.selectors.StudentRow`).

    Each cell shows the completion rounded down and has the classes ``heat heat-<bucket>`` (10 %
    buckets, styled in ``cohorts.css``; no inline styles) plus ``overdue`` and a marker when the
    section is past due. Built in Python: a cohort page has thousands of cells and this is the hot
    loop of its rendering. Every value is an integer or a constant, except the translated marker
    text, which is escaped.
    """
    overdue_text = escape(_("past due, not complete"))
    marker = (
        f'<span class="overdue-mark" title="{overdue_text}">!<span class="visually-hidden">{overdue_text}</span></span>'
    )
    parts = []
    for cell in row.cells:
        if cell.overdue:
            parts.append(f'<td class="num heat heat-{int(cell.bucket)} overdue">{int(cell.label)}%{marker}</td>')
        else:
            parts.append(f'<td class="num heat heat-{int(cell.bucket)}">{int(cell.label)}%</td>')
    return mark_safe("".join(parts))  # noqa: S308 - integers and escaped text only


@register.simple_tag
def activity_cell(row) -> str:
    """The "last activity" ``<td>`` of a matrix row: "today", "N days ago" or "never", with the
    exact local time in a ``<time>`` element (machine-readable) and its ``title`` (on hover)."""
    last = row.last_activity
    if last is None:
        return format_html('<td><span class="muted">{}</span></td>', _("never"))
    local = timezone.localtime(last)
    days = (timezone.localdate() - local.date()).days
    if days <= 0:
        label = _("today")
    elif days == 1:
        label = _("yesterday")
    else:
        label = ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days}
    return format_html(
        '<td><time datetime="{}" title="{}">{}</time></td>', local.isoformat(), local.strftime("%Y-%m-%d %H:%M"), label
    )
