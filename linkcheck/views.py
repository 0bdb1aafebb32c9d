"""Link-health pages: the admins' health page and actions, and the students' "report broken link"."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linkcheck import selectors, services
from linkcheck.forms import LinkReportForm, ReportCloseForm
from linkcheck.models import Link, LinkReport


def staff_required(view):
    """Anonymous visitors go to the login page; logged-in users who are not admins (``is_staff``) get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def login_required_here(view):
    """Like ``login_required``, but sends htmx requests the login URL in ``HX-Redirect`` (no partial page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                response.status_code = 204
                response["HX-Redirect"] = response["Location"]
                del response["Location"]
            return response
        return view(request, *args, **kwargs)

    return wrapped


def _back(request, fallback: str):
    """Redirect to the form's ``next`` when it is a local URL, else to ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a local path: ``redirect()`` would read a bare word ("notes") as a view name and fail.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(fallback)


@require_GET
@staff_required
def health(request):
    """Counts per class, the links needing attention with their history and reports, the latest runs."""
    context = {
        "summary": selectors.link_health_summary(),
        "links": selectors.links_needing_attention(),
        "runs": selectors.link_runs_recent(),
    }
    return render(request, "linkcheck/health.html", context)


@require_POST
@staff_required
def check_all(request):
    """Queue a check of every link (runs at once where Celery is eager, i.e. in development)."""
    services.link_check_all_enqueue(user=request.user)
    messages.success(request, _("A check of all links has been queued."))
    return redirect("linkcheck:health")


@require_POST
@staff_required
def recheck(request, pk):
    """Queue a recheck of one link."""
    link = get_object_or_404(Link, pk=pk)
    services.link_recheck_enqueue(link_ids=[link.pk], force=True, user=request.user)
    messages.success(request, _("Recheck of %(url)s queued.") % {"url": link.url})
    return _back(request, "linkcheck:health")


@require_POST
@staff_required
def accept_redirect(request, pk):
    """Replace the link by the target of its permanent redirect in every resource and paper."""
    link = get_object_or_404(Link, pk=pk)
    try:
        count = services.link_redirect_accept(link=link, user=request.user)
    except services.RedirectConflict:
        messages.error(request, _("Another item already uses the new URL; edit the items in the admin instead."))
    except ValueError:
        messages.error(request, _("This link has no permanent redirect to accept."))
    else:
        messages.success(request, _("New URL saved in %(count)d item(s).") % {"count": count})
    return _back(request, "linkcheck:health")


@require_POST
@staff_required
def report_close(request, pk):
    """Close a student's report as resolved or dismissed."""
    report = get_object_or_404(LinkReport, pk=pk)
    form = ReportCloseForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown status."))
    services.link_report_close(report=report, user=request.user, status=form.cleaned_data["status"])
    messages.success(request, _("Report closed."))
    return _back(request, "linkcheck:health")


@require_http_methods(["GET", "POST"])
@login_required_here
def report(request):
    """Report a resource or paper link as broken (login required).

    GET shows a small form (the no-JavaScript path and the target of the login redirect); POST stores the
    report, queues a recheck and either answers htmx with a short confirmation or redirects back.
    Unknown URLs answer 404.
    """
    if request.method == "GET":
        url = request.GET.get("url", "")
        items = selectors.link_items_for_urls([url], active_only=True).get(url)
        if not items:
            raise Http404
        form = LinkReportForm(initial={"url": url, "next": request.GET.get("next", "")})
        return render(request, "linkcheck/report.html", {"form": form, "url": url, "items": items})
    form = LinkReportForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(request, "linkcheck/_report_done.html", {"error": True}, status=400)
        url = request.POST.get("url", "")
        return render(request, "linkcheck/report.html", {"form": form, "url": url, "items": []}, status=400)
    try:
        services.link_report_submit(
            user=request.user, url=form.cleaned_data["url"], comment=form.cleaned_data["comment"]
        )
    except services.LinkNotListed as exc:
        raise Http404 from exc
    if request.htmx:
        return render(request, "linkcheck/_report_done.html", {"error": False})
    messages.success(request, _("Thank you! The link will be checked again, and the admins will look at it."))
    return _back(request, "curriculum:overview")
