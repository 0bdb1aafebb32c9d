"""Write a :class:`progress.selectors.ProgressExport` as CSV or JSON.

Times are ISO 8601 with the UTC offset of the active time zone (``2026-03-02T00:30:00+08:00``),
percentages are rounded to one decimal. The CSV starts with a UTF-8 byte order mark so that Excel
opens Chinese titles correctly (Excel reads BOM-less CSV in the system code page).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from django.utils import timezone

from core.percent import percent_round
from progress.models import PaperProgress, TopicProgress
from progress.selectors import PATH_SEPARATOR, ProgressExport

#: Columns of the CSV export, in order.
CSV_COLUMNS = (
    "record",
    "path",
    "status",
    "status_label",
    "started_at",
    "completed_at",
    "completion_percent",
    "note",
    "url",
)

#: Identifies the JSON layout; bump the number when a field changes meaning.
JSON_FORMAT = "coin-portal-progress/1"


def iso(value: dt.datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in the active time zone, to the second; ``None`` stays ``None``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def percent(value: float) -> float:
    """A percentage rounded to one decimal by :func:`core.percent.percent_round` (``33.333…`` → ``33.3``)."""
    return percent_round(value, 1)


def export_csv(data: ProgressExport, *, absolute_url: Callable[[str], str]) -> str:
    """The export as CSV text with a leading BOM (``\\ufeff``), rows ending in ``\\r\\n`` (RFC 4180).

    Rows: one ``topic`` row per topic, one ``part`` row per top-level section, one ``overall`` row,
    one ``paper`` row per reading-list entry (``started_at`` is when it was added, ``completed_at``
    when it was first read). ``absolute_url`` turns a site path into a full URL.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t in data.topics:
        writer.writerow(
            [
                "topic",
                t.path,
                t.status,
                TopicProgress.Status(t.status).label,
                iso(t.started_at) or "",
                iso(t.completed_at) or "",
                "",
                t.note,
                absolute_url(t.section.get_absolute_url()),
            ]
        )
    for section, value in data.parts:
        writer.writerow(
            [
                "part",
                section.title,
                "",
                "",
                "",
                "",
                f"{percent(value):.1f}",
                "",
                absolute_url(section.get_absolute_url()),
            ]
        )
    writer.writerow(["overall", "", "", "", "", "", f"{percent(data.overall):.1f}", "", ""])
    for row in data.papers:
        writer.writerow(
            [
                "paper",
                f"{row.paper.section.title}{PATH_SEPARATOR}{row.paper.title}",
                row.status,
                PaperProgress.Status(row.status).label,
                iso(row.created) or "",
                iso(row.completed_at) or "",
                "",
                "",
                row.paper.url,
            ]
        )
    return out.getvalue()


def export_json(data: ProgressExport, *, absolute_url: Callable[[str], str]) -> dict:
    """The export as a JSON-serialisable dict (layout :data:`JSON_FORMAT`)."""
    return {
        "format": JSON_FORMAT,
        "generated_at": iso(data.generated_at),
        "time_zone": timezone.get_current_timezone_name(),
        "user": {"email": data.user.email, "display_name": data.user.display_name},
        "completion": {
            "overall": percent(data.overall),
            "parts": [
                {"slug": s.slug, "title": s.title, "percent": percent(value), "url": absolute_url(s.get_absolute_url())}
                for s, value in data.parts
            ],
        },
        "topics": [
            {
                "slug": t.section.slug,
                "title": t.section.title,
                "path": t.path,
                "status": t.status,
                "started_at": iso(t.started_at),
                "completed_at": iso(t.completed_at),
                "note": t.note,
                "url": absolute_url(t.section.get_absolute_url()),
            }
            for t in data.topics
        ],
        "papers": [
            {
                "title": row.paper.title,
                "url": row.paper.url,
                "arxiv_id": row.paper.arxiv_id,
                "section": row.paper.section.title,
                "status": row.status,
                "added_at": iso(row.created),
                "read_at": iso(row.completed_at),
            }
            for row in data.papers
        ],
    }
