"""CSV export of the cohort matrix (UTF-8 with a byte-order mark, so Excel reads Chinese correctly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.selectors import CohortMatrix, StudentRow
from core.percent import percent_round

#: Excel opens a UTF-8 CSV correctly only when it starts with a byte-order mark.
BOM = "\ufeff"
#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would run as a formula by prefixing ``'``."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _percent(value: float | None) -> str:
    return "" if value is None else f"{percent_round(value, 1):.1f}"


def matrix_csv(matrix: CohortMatrix, rows: Iterable[StudentRow]) -> str:
    """The matrix as CSV text, starting with :data:`BOM`.

    Columns: name, email, enrolled on (ISO date), status (translated), overall %, one column per
    top-level section (%), best quiz score %, sections mastered, last activity (local time,
    ``YYYY-MM-DD HH:MM``), days inactive, overdue sections ("; "-separated titles). Percentages
    have one decimal; empty values are empty cells. Lines end with CRLF (RFC 4180).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Enrolled on"),
            _("Status"),
            _("Overall (%)"),
            *[_text(f"{c.section.title} (%)") for c in matrix.columns],
            _("Best quiz score (%)"),
            _("Sections mastered (of %(count)d)") % {"count": matrix.quiz_sections},
            _("Last activity"),
            _("Days inactive"),
            _("Overdue sections"),
        ]
    )
    for row in rows:
        last = timezone.localtime(row.last_activity).strftime("%Y-%m-%d %H:%M") if row.last_activity else ""
        writer.writerow(
            [
                _text(row.name),
                _text(row.user.email),
                row.enrollment.enrolled_on.isoformat(),
                row.status_label,
                _percent(row.overall),
                *[_percent(cell.percent) for cell in row.cells],
                _percent(row.best_quiz),
                str(row.mastered),
                last,
                "" if row.pace.days_inactive is None else str(row.pace.days_inactive),
                _text("; ".join(s.title for s in row.overdue_sections)),
            ]
        )
    return BOM + out.getvalue()
