"""Template tags of the cohorts app."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag
def heat_cells(row) -> str:
    """The ``<td>`` heat cells of one matrix row (:class:`cohorts.selectors.StudentRow`).

    Each cell shows the completion rounded by :func:`core.percent.percent_round` and has the classes ``heat heat-<bucket>`` (10 %
    buckets, styled in ``cohorts.css``; no inline styles) plus ``overdue`` and a marker when the
    section is past due. Built with ``format_html_join`` in one call: a cohort page has
    hundreds of cells and this is the hot loop of its rendering.
    """
    text = _("past due, not complete")
    marker = format_html(
        '<span class="overdue-mark" title="{}">!<span class="visually-hidden">{}</span></span>', text, text
    )
    return format_html_join(
        "",
        '<td class="num heat heat-{}{}">{}%{}</td>',
        (
            (cell.bucket, " overdue" if cell.overdue else "", cell.label, marker if cell.overdue else "")
            for cell in row.cells
        ),
    )


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
