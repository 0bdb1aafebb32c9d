"""Mentor pages: the list of cohorts, a cohort's matrix and chart, a student's record, the CSV
export and bulk enrollment. Read-only except bulk enrollment; every permission checked here.

Access: anonymous users are sent to log in; students get 403 on the list and 404 on any cohort;
a mentor sees only the cohorts they mentor (404 for others); admins see all.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cohorts import charts, selectors
from cohorts.exports import matrix_csv
from cohorts.forms import BulkEnrollForm
from cohorts.pace import PaceStatus
from cohorts.services import cohort_bulk_enroll


@require_GET
@login_required
def mentor_home(request):
    """The mentor's cohorts with headline figures (students, average completion, behind, stalled)."""
    if not selectors.mentor_area_allowed(request.user):
        raise PermissionDenied
    summaries = selectors.cohort_summaries(user=request.user)
    return render(request, "cohorts/mentor_home.html", {"summaries": summaries})


def _matrix_query(request, matrix):
    """Parse ``?sort=`` and ``?status=``; return ``(sort, status, rows)`` or ``None`` when invalid."""
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    status = request.GET.get("status", "")
    try:
        rows = selectors.matrix_rows(matrix, sort=sort, status=status)
    except ValueError:
        return None
    return sort, status, rows


def _invalid_query(request, cohort):
    return render(request, "cohorts/invalid_query.html", {"cohort": cohort}, status=400)


#: Students per page of the matrix; sorting and filtering apply to the whole cohort first.
MATRIX_PAGE_SIZE = 50


def _page_links(page, sort: str, status: str) -> list[dict]:
    """Links to the matrix pages (elided: 1 … 4 5 6 … 10), keeping sort and filter."""
    if page.paginator.num_pages <= 1:
        return []
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append({"ellipsis": True})
            continue
        params = {
            **({"sort": sort} if sort != selectors.DEFAULT_SORT else {}),
            **({"status": status} if status else {}),
            **({"page": number} if number > 1 else {}),
        }
        links.append({"number": number, "href": "?" + urlencode(params), "current": number == page.number})
    return links


def _sort_headers(matrix, sort: str, status: str) -> list[dict]:
    """The sortable column headers: label, ``href`` (toggles direction on the active column,
    ascending first elsewhere), ``aria_sort`` ("ascending"/"descending"/None) and the column."""
    current = sort.removeprefix("-")
    descending = sort.startswith("-")
    fixed = {
        "name": _("Student"),
        "status": _("Status"),
        "overall": _("Overall"),
        "quiz": _("Best quiz"),
        "mastery": _("Mastery"),
        "activity": _("Last activity"),
    }
    order = [("name", None), ("status", None), ("overall", None)]
    order += [(c.sort_key, c) for c in matrix.columns]
    order += [("quiz", None), ("mastery", None), ("activity", None)]
    headers = []
    for key, column in order:
        active = key == current
        target = key if not active or descending else f"-{key}"
        params = {"sort": target, **({"status": status} if status else {})}
        headers.append(
            {
                "key": key,
                "label": column.section.title if column else fixed[key],
                "column": column,
                "href": "?" + urlencode(params),
                "aria_sort": ("descending" if descending else "ascending") if active else None,
            }
        )
    return headers


def _status_filters(matrix, sort: str, status: str) -> list[dict]:
    """Links of the status filter with the number of students in each."""
    counts = matrix.counts
    options = [
        ("", _("All"), len(matrix.rows)),
        ("attention", _("Needs attention"), counts[PaceStatus.BEHIND] + counts[PaceStatus.STALLED]),
        (PaceStatus.BEHIND, PaceStatus.BEHIND.label, counts[PaceStatus.BEHIND]),
        (PaceStatus.STALLED, PaceStatus.STALLED.label, counts[PaceStatus.STALLED]),
        (PaceStatus.ON_TRACK, PaceStatus.ON_TRACK.label, counts[PaceStatus.ON_TRACK]),
    ]
    out = []
    for value, label, count in options:
        params = {**({"sort": sort} if sort != selectors.DEFAULT_SORT else {}), **({"status": value} if value else {})}
        out.append(
            {
                "value": value,
                "label": label,
                "count": count,
                "href": "?" + urlencode(params),
                "current": value == status,
            }
        )
    return out


@require_GET
@login_required
def cohort_detail(request, pk):
    """A cohort's student × section matrix (sortable, filterable), headline figures and the chart
    of completion over time against the pace plan."""
    cohort = selectors.cohort_for_mentor(user=request.user, pk=pk)
    matrix = selectors.cohort_matrix(cohort=cohort)
    query = _matrix_query(request, matrix)
    if query is None:
        return _invalid_query(request, cohort)
    sort, status, rows = query
    page = Paginator(rows, MATRIX_PAGE_SIZE).get_page(request.GET.get("page"))
    history = selectors.cohort_progress_history(
        cohort=cohort,
        now=matrix.now,
        tree=matrix.tree,
        milestones=matrix.milestones,
        student_ids=[r.user.pk for r in matrix.rows],
        signature=matrix.signature,
    )
    csv_params = urlencode({k: v for k, v in (("sort", sort), ("status", status)) if v})
    context = {
        "cohort": cohort,
        "matrix": matrix,
        "rows": page.object_list,
        "page": page,
        "page_links": _page_links(page, sort, status),
        "sort": sort,
        "status": status,
        "headers": _sort_headers(matrix, sort, status),
        "filters": _status_filters(matrix, sort, status),
        "history": history,
        "chart": charts.chart_geometry(history),
        "csv_query": csv_params,
        "stalled_days": settings.COHORT_STALLED_DAYS,
    }
    return render(request, "cohorts/cohort_detail.html", context)


@require_GET
@login_required
def cohort_chart(request, pk):
    """The completion chart alone, as a standalone SVG image (for download or embedding)."""
    cohort = selectors.cohort_for_mentor(user=request.user, pk=pk)
    history = selectors.cohort_progress_history(cohort=cohort)
    context = {"cohort": cohort, "history": history, "chart": charts.chart_geometry(history), "standalone": True}
    return render(request, "cohorts/_progress_chart.svg", context, content_type="image/svg+xml; charset=utf-8")


@require_GET
@login_required
def cohort_csv(request, pk):
    """The matrix as CSV (UTF-8 with BOM), with the page's ``?sort=`` and ``?status=`` applied."""
    cohort = selectors.cohort_for_mentor(user=request.user, pk=pk)
    matrix = selectors.cohort_matrix(cohort=cohort)
    query = _matrix_query(request, matrix)
    if query is None:
        return _invalid_query(request, cohort)
    _sort, _status, rows = query
    response = HttpResponse(matrix_csv(matrix, rows), content_type="text/csv; charset=utf-8")
    filename = f"cohort-{cohort.pk}-{timezone.localdate(matrix.now).isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def student_detail(request, pk, user_pk):
    """One enrolled student's progress, quiz attempts, activity and active days, read-only."""
    cohort = selectors.cohort_for_mentor(user=request.user, pk=pk)
    enrollment = selectors.enrollment_for_mentor(cohort=cohort, user_id=user_pk)
    record = selectors.student_record(enrollment=enrollment)
    context = {
        "cohort": cohort,
        "student": enrollment.user,
        "record": record,
        "row": record.row,
        "sections": [
            (column, cell, record.topics_by_root[column.section.pk])
            for column, cell in zip(record.columns, record.row.cells, strict=True)
        ],
    }
    return render(request, "cohorts/student_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def cohort_enroll(request, pk):
    """Bulk enrollment by pasted email addresses, for the cohort's mentors and admins."""
    cohort = selectors.cohort_for_mentor(user=request.user, pk=pk)
    report = None
    if request.method == "POST":
        form = BulkEnrollForm(request.POST)
        if form.is_valid():
            report = cohort_bulk_enroll(
                cohort=cohort,
                text=form.cleaned_data["emails"],
                invited_by=request.user,
                move=form.cleaned_data["move"],
            )
            form = BulkEnrollForm()
    else:
        form = BulkEnrollForm()
    status = 200 if request.method == "GET" or report is not None else 400
    return render(request, "cohorts/enroll.html", {"cohort": cohort, "form": form, "report": report}, status=status)
