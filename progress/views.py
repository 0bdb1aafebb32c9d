"""Progress pages and endpoints: the student dashboard, status controls, notes, reading list, exports.

Every view acts on ``request.user`` only. No URL or form field names a user or a progress row:
topics and papers are addressed by their curriculum ids, and the row touched is always the
signed-in student's own, so guessing ids cannot read or change anyone else's progress.

Controls work twice over: with htmx (``HX-Request``) a POST answers with the re-rendered control
and out-of-band (``hx-swap-oob``) updates of the bars around it; without JavaScript the same form
posts normally and is redirected back to ``next`` (Post/Redirect/Get).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from curriculum.models import Paper, Section
from curriculum.selectors import curriculum_tree
from progress import exports, selectors, services
from progress.models import PaperProgress, TopicProgress
from quizzes.selectors import quiz_groups

#: ``origin`` values a control may send, telling which page it sits on (and so what to re-render).
ORIGIN_DASHBOARD = "dashboard"  # the topic checklist and reading list of the dashboard
ORIGIN_STUDY_NEXT = "next"  # the dashboard's "study next" list (re-rendered as a whole)
ORIGIN_SECTION = "section:"  # followed by the page's section id


def _safe_next(request, fallback: str) -> str:
    """The posted ``next`` URL when it is a path on this site (``/...``), else ``fallback``.

    Anything else is refused: other hosts, and bare words such as ``notes``, which ``redirect()``
    would try to reverse as a view name (a ``NoReverseMatch``, i.e. a 500).
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _login_required_post(view):
    """Like ``login_required`` for POST endpoints: send anonymous users to the login page.

    After logging in they return to the page the control was on (``next``), not to this endpoint,
    which answers POST only. For htmx requests the redirect is done by the client (``HX-Redirect``).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        back = _safe_next(request, reverse("curriculum:overview"))
        if request.htmx:
            login = redirect_to_login(back)
            return HttpResponseClientRedirect(login.url)
        return redirect_to_login(back)

    return wrapped


def _bad_request(request, error: ValidationError) -> HttpResponse:
    """400 with the validation message: a text fragment for htmx, a page otherwise."""
    message = " ".join(error.messages)
    if request.htmx:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    back = _safe_next(request, reverse("progress:dashboard"))
    return render(request, "progress/error.html", {"message": message, "back": back}, status=400)


def _origin_section_id(request) -> int | None:
    origin = request.POST.get("origin", "")
    if origin.startswith(ORIGIN_SECTION):
        try:
            return int(origin.removeprefix(ORIGIN_SECTION))
        except ValueError:
            return None
    return None


def _respond(request, *, topic: Section | None = None, paper: Paper | None = None, saved: str) -> HttpResponse:
    """Answer a successful change: htmx fragments for the control's page, or a redirect back (PRG).

    Args:
        topic / paper: what changed (one of them).
        saved: the confirmation shown after a plain (non-htmx) POST.
    """
    fallback = (topic or paper.section).get_absolute_url()
    if not request.htmx:
        messages.success(request, saved)
        return redirect(_safe_next(request, fallback))
    origin = request.POST.get("origin", "")
    context = {"origin": origin, "next_url": _safe_next(request, fallback), "topic": topic, "paper": paper}
    user = request.user
    if origin in (ORIGIN_DASHBOARD, ORIGIN_STUDY_NEXT):
        dash = selectors.dashboard_for(user=user, today=timezone.localdate())
        context["dash"] = dash
        if paper is not None:
            context["paper_row"] = dash.reading_row(paper.pk)
        else:
            context["status"] = dash.topic_status(topic.pk)
        return render(request, "progress/htmx/dashboard_update.html", context)
    tree = curriculum_tree()
    page_id = _origin_section_id(request)
    page = tree.by_id.get(page_id) if page_id is not None else None
    if page is not None:
        context["section_progress"] = selectors.section_progress(user=user, section=page, tree=tree)
    if paper is not None:
        context["paper_row"] = PaperProgress.objects.filter(user=user, paper=paper).first()
    else:
        context["status"] = (
            TopicProgress.objects.filter(user=user, section=topic).values_list("status", flat=True).first()
            or selectors.NOT_STARTED
        )
    return render(request, "progress/htmx/section_update.html", context)


@require_GET
@login_required
def dashboard(request):
    """The student's dashboard: completion, what to study next, activity, reading list, all topics."""
    dash = selectors.dashboard_for(user=request.user, today=timezone.localdate())
    context = {
        "dash": dash,
        "origin": ORIGIN_DASHBOARD,
        "quiz_groups": quiz_groups(user=request.user, include_empty=True),
    }
    return render(request, "progress/dashboard.html", context)


@require_POST
@_login_required_post
def topic_status(request, section_id: int):
    """Set the student's status on a topic (POST ``status``). 404 for an unknown or archived
    section, 400 for a part or an unknown status."""
    section = get_object_or_404(Section, pk=section_id, is_archived=False)
    try:
        services.progress_record(user=request.user, section=section, status=request.POST.get("status", ""))
    except ValidationError as error:
        return _bad_request(request, error)
    return _respond(request, topic=section, saved=_("Status saved."))


@require_POST
@_login_required_post
def topic_note(request, section_id: int):
    """Save the student's private Markdown note on a topic (POST ``note``)."""
    section = get_object_or_404(Section, pk=section_id, is_archived=False)
    try:
        row = services.progress_note_set(user=request.user, section=section, note=request.POST.get("note", ""))
    except ValidationError as error:
        return _bad_request(request, error)
    if not request.htmx:
        messages.success(request, _("Note saved."))
        return redirect(_safe_next(request, section.get_absolute_url()) + "#my-note")
    return render(request, "progress/_note.html", {"topic": section, "row": row, "just_saved": True})


@require_POST
@_login_required_post
def paper_reading(request, paper_id: int):
    """Change the student's own reading list for one paper.

    POST ``action=add`` (put it on the list as "to read"; a paper already there keeps its status),
    ``action=remove`` (404 when it is not on the list), or ``status=<to_read|reading|read>`` (adds
    the paper when absent). 404 for an unknown paper, and for an archived one except on removal.
    """
    paper = get_object_or_404(Paper.objects.select_related("section"), pk=paper_id)
    action = request.POST.get("action", "")
    if action == "remove":
        if not services.reading_list_remove(user=request.user, paper=paper):
            return HttpResponse(_("This paper is not on your reading list."), status=404)
        return _respond(request, paper=paper, saved=_("Removed from your reading list."))
    if paper.is_archived:
        return HttpResponse(_("This paper has been removed from the curriculum."), status=404)
    try:
        if action == "add":
            services.reading_list_add(user=request.user, paper=paper)
        else:
            services.paper_status_set(user=request.user, paper=paper, status=request.POST.get("status", ""))
    except ValidationError as error:
        return _bad_request(request, error)
    return _respond(request, paper=paper, saved=_("Reading list saved."))


def _export_name(extension: str) -> str:
    return f"coin-progress-{timezone.localdate().isoformat()}.{extension}"


@require_GET
@login_required
def export_csv(request):
    """Download the student's own progress as CSV (UTF-8 with BOM)."""
    data = selectors.progress_export(user=request.user)
    body = exports.export_csv(data, absolute_url=request.build_absolute_uri)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@require_GET
@login_required
def export_json(request):
    """Download the student's own progress as JSON."""
    data = selectors.progress_export(user=request.user)
    response = JsonResponse(
        exports.export_json(data, absolute_url=request.build_absolute_uri),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name("json")}"'
    return response
