"""Views of the reminders app: unsubscribe (link page and RFC 8058 one-click) and the staff preview."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from reminders.emails import reminder_preview
from reminders.forms import PreviewForm
from reminders.models import ReminderKind
from reminders.selectors import reminder_logs_for_user, unsubscribe_target
from reminders.services import reminder_preference_turn_off
from reminders.tokens import InvalidUnsubscribeToken


def _user_language(request, user):
    """The language to answer in: the switcher's cookie if set, else the token user's preference."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or not user.language:
        return translation.get_language()
    return user.language


def _invalid(request, exc: InvalidUnsubscribeToken) -> HttpResponse:
    return render(request, "reminders/unsubscribe_invalid.html", {"expired": exc.expired}, status=400)


def _page(request, template, user, kind, *, status=200, **extra):
    context = {"kind_label": ReminderKind(kind).label, "token_user": user, **extra}
    with translation.override(_user_language(request, user)):
        return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The link in the mail body. GET shows a confirmation page and changes nothing (mail scanners
    open links); POST from that page (CSRF-protected) turns the kind off and says so."""
    try:
        user, kind = unsubscribe_target(token)
    except InvalidUnsubscribeToken as exc:
        return _invalid(request, exc)
    if request.method == "POST":
        changed = reminder_preference_turn_off(user_id=user.pk, kind=kind)
        return _page(request, "reminders/unsubscribe_done.html", user, kind, changed=changed)
    return _page(request, "reminders/unsubscribe_confirm.html", user, kind, token=token)


@csrf_exempt  # RFC 8058: mail clients POST without a CSRF token. This view can only turn a preference off.
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request, token: str):
    """The ``List-Unsubscribe`` URL (RFC 8058 one-click).

    POST with body ``List-Unsubscribe=One-Click`` turns the kind off; a POST without it is a 400.
    GET (someone opened the header link in a browser) shows the confirmation page and changes nothing.
    """
    try:
        user, kind = unsubscribe_target(token)
    except InvalidUnsubscribeToken as exc:
        return _invalid(request, exc)
    if request.method == "GET":
        return _page(request, "reminders/unsubscribe_confirm.html", user, kind, token=token)
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return _page(request, "reminders/unsubscribe_invalid.html", user, kind, status=400, one_click_body=True)
    changed = reminder_preference_turn_off(user_id=user.pk, kind=kind)
    return _page(request, "reminders/unsubscribe_done.html", user, kind, changed=changed)


def _require_staff(request):
    """``None`` for staff; a login redirect for anonymous users; ``PermissionDenied`` otherwise."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise PermissionDenied
    return None


@require_GET
def preview(request):
    """Staff-only: render any mail kind for a chosen user as a run now would, with the verdict."""
    denied = _require_staff(request)
    if denied:
        return denied
    form = PreviewForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        user, kind = form.cleaned_data["user"], form.cleaned_data["kind"]
        context.update(
            chosen=user,
            kind=kind,
            result=reminder_preview(user=user, kind=kind, now=timezone.now()),
            logs=reminder_logs_for_user(user.pk),
        )
    return render(request, "reminders/preview.html", context, status=200 if form.is_valid() or not form.data else 400)


@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
@csp_update({"style-src": [UNSAFE_INLINE]})
def preview_html(request):
    """Staff-only: the HTML part of the previewed mail as its own document (shown in an iframe).

    The mail's own ``<style>`` block needs ``style-src 'unsafe-inline'``, allowed for this response only.
    """
    denied = _require_staff(request)
    if denied:
        return denied
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Bad request", status=400, content_type="text/plain")
    result = reminder_preview(user=form.cleaned_data["user"], kind=form.cleaned_data["kind"], now=timezone.now())
    if result.message is None:
        return HttpResponse("Nothing to render", status=404, content_type="text/plain")
    html = next(content for content, mimetype in result.message.alternatives if mimetype == "text/html")
    return HttpResponse(html, content_type="text/html; charset=utf-8")
