"""Admin for link health, plus a mixin that gives the curriculum's Resource/Paper admins a health
column, a "link health" filter and a "check now" action (``curriculum/admin.py`` adds the mixin)."""

from django.contrib import admin, messages
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from linkcheck import services
from linkcheck.models import FAILURE_STATUSES, Link, LinkCheck, LinkCheckRun, LinkReport, LinkStatus

# --- filters ----------------------------------------------------------------------------------------

HEALTH_CHOICES = (
    ("broken", _("Shown as broken")),
    ("failing", _("Failing (not yet shown)")),
    ("ok", _("OK")),
    ("redirected", _("Moved")),
    ("blocked", _("Blocks robots")),
    ("unchecked", _("Not checked yet")),
)


def _health_q(value: str, prefix: str = "") -> Q | None:
    """The condition on :class:`Link` fields (with ``prefix``) for one health filter value."""
    p = prefix
    return {
        "broken": Q(**{f"{p}broken_since__isnull": False}),
        "failing": Q(**{f"{p}status__in": FAILURE_STATUSES, f"{p}broken_since__isnull": True}),
        "ok": Q(**{f"{p}status": LinkStatus.OK}),
        "redirected": Q(**{f"{p}status": LinkStatus.REDIRECTED}),
        "blocked": Q(**{f"{p}status": LinkStatus.BLOCKED}),
        "unchecked": Q(**{f"{p}status": LinkStatus.UNCHECKED}),
    }.get(value)


class LinkHealthListFilter(admin.SimpleListFilter):
    """Filter resources or papers by the health of their URL."""

    title = _("link health")
    parameter_name = "link_health"

    def lookups(self, request, model_admin):
        return HEALTH_CHOICES

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "unchecked":
            checked = Link.objects.exclude(status=LinkStatus.UNCHECKED).values("url")
            return queryset.exclude(url__in=checked)
        condition = _health_q(value)
        if condition is None:
            return queryset
        return queryset.filter(url__in=Link.objects.filter(condition).values("url"))


class BrokenListFilter(admin.SimpleListFilter):
    """Filter links by whether students see them as broken."""

    title = _("shown as broken")
    parameter_name = "broken"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(broken_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(broken_since__isnull=True)
        return queryset


# --- actions ----------------------------------------------------------------------------------------


@admin.action(description=_("Check the selected links now"))
def check_links_now(modeladmin, request, queryset):
    """Queue a recheck of the selected links (Link rows, or resources/papers via their URL)."""
    if queryset.model is Link:
        ids = list(queryset.values_list("pk", flat=True))
    else:
        services.link_targets_sync()
        ids = list(Link.objects.filter(url__in=queryset.values("url")).values_list("pk", flat=True))
    services.link_recheck_enqueue(link_ids=ids, force=True, user=request.user)
    modeladmin.message_user(
        request,
        ngettext("Check of %d link queued.", "Check of %d links queued.", len(ids)) % len(ids),
        messages.SUCCESS,
    )


@admin.action(description=_("Accept the new URL of moved links"))
def accept_redirects(modeladmin, request, queryset):
    """Replace each selected moved link by its redirect target in resources and papers."""
    done = 0
    for link in queryset.filter(status=LinkStatus.REDIRECTED).exclude(new_url=""):
        try:
            done += bool(services.link_redirect_accept(link=link, user=request.user))
        except services.RedirectConflict:
            modeladmin.message_user(request, _("Skipped %(url)s: the new URL is already used.") % {"url": link.url})
    modeladmin.message_user(request, ngettext("%d link updated.", "%d links updated.", done) % done, messages.SUCCESS)


# --- mixin for curriculum admins --------------------------------------------------------------------


class LinkHealthAdminMixin:
    """Adds a link-health column, the :class:`LinkHealthListFilter` and the "check now" action to a
    ModelAdmin of a model with a ``url`` field (``curriculum.Resource`` and ``curriculum.Paper``).
    The column is annotated in the list query (no query per row)."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        links = Link.objects.filter(url=OuterRef("url"))
        return qs.annotate(
            _link_status=Subquery(links.values("status")[:1]),
            _link_broken_since=Subquery(links.values("broken_since")[:1]),
        )

    def get_list_display(self, request):
        return [*super().get_list_display(request), "link_health"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), LinkHealthListFilter]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions["check_links_now"] = (check_links_now, "check_links_now", check_links_now.short_description)
        return actions

    @admin.display(description=_("link health"), ordering="_link_status")
    def link_health(self, obj):
        status = getattr(obj, "_link_status", None) or LinkStatus.UNCHECKED
        label = LinkStatus(status).label
        if getattr(obj, "_link_broken_since", None):
            return _("Broken (%(status)s)") % {"status": label}
        return label


# --- model admins -----------------------------------------------------------------------------------


class LinkCheckInline(admin.TabularInline):
    model = LinkCheck
    extra = 0
    can_delete = False
    fields = ["checked_at", "status", "http_status", "elapsed_ms", "attempts", "final_url", "error", "run"]
    readonly_fields = fields
    ordering = ["-checked_at"]
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class LinkReportInline(admin.TabularInline):
    model = LinkReport
    extra = 0
    fields = ["created", "user", "comment", "status", "resolved_by"]
    readonly_fields = ["created", "user", "comment", "resolved_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ["url", "kind", "status", "consecutive_failures", "broken_since", "last_checked_at", "is_active"]
    list_filter = ["status", BrokenListFilter, "kind", "is_active"]
    search_fields = ["url", "final_url", "error"]
    readonly_fields = [
        "url", "kind", "is_active", "status", "http_status", "final_url", "new_url", "error", "elapsed_ms",
        "consecutive_failures", "broken_since", "last_checked_at", "last_ok_at", "claimed_by", "claimed_at",
        "created", "modified",
    ]  # fmt: skip
    inlines = [LinkReportInline, LinkCheckInline]
    actions = [check_links_now, accept_redirects]
    date_hierarchy = "last_checked_at"

    def has_add_permission(self, request):
        return False  # links come from the curriculum (link_targets_sync)


@admin.register(LinkCheckRun)
class LinkCheckRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "scope", "section_slug", "status", "checked", "total", "newly_broken", "finished_at"]
    list_filter = ["status", "scope"]
    readonly_fields = [f.name for f in LinkCheckRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "link", "status", "http_status", "elapsed_ms", "attempts", "became_broken"]
    list_filter = ["status", "became_broken"]
    search_fields = ["link__url", "error"]
    list_select_related = ["link"]
    readonly_fields = [f.name for f in LinkCheck._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Mark as resolved"))
def reports_resolve(modeladmin, request, queryset):
    """Close the selected open reports as resolved."""
    for report in queryset.filter(status=LinkReport.Status.OPEN):
        services.link_report_close(report=report, user=request.user, status=LinkReport.Status.RESOLVED)


@admin.action(description=_("Dismiss"))
def reports_dismiss(modeladmin, request, queryset):
    """Close the selected open reports as dismissed."""
    for report in queryset.filter(status=LinkReport.Status.OPEN):
        services.link_report_close(report=report, user=request.user, status=LinkReport.Status.DISMISSED)


@admin.register(LinkReport)
class LinkReportAdmin(admin.ModelAdmin):
    list_display = ["created", "link", "user", "status", "comment"]
    list_filter = ["status"]
    search_fields = ["link__url", "comment", "user__email"]
    list_select_related = ["link", "user"]
    readonly_fields = ["link", "user", "comment", "created", "resolved_at", "resolved_by"]
    actions = [reports_resolve, reports_dismiss]

    def has_add_permission(self, request):
        return False
