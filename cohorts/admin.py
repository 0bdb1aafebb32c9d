"""Admin for cohorts: mentors, pace plan and enrollments inline, bulk enrollment by email."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cohorts.forms import BulkEnrollForm
from cohorts.models import Cohort, Enrollment, PaceMilestone, PendingEnrollment
from cohorts.services import EnrollmentConflictError, cohort_bulk_enroll, enrollment_create, enrollment_end
from curriculum.models import Section


def _user_autocomplete_available() -> bool:
    """Autocomplete needs a registered user admin with ``search_fields`` (the accounts app's)."""
    model_admin = admin.site._registry.get(get_user_model())
    return bool(model_admin and model_admin.search_fields)


class PaceMilestoneInline(admin.TabularInline):
    model = PaceMilestone
    extra = 0
    fields = ["section", "due_week"]
    verbose_name = _("pace milestone")
    verbose_name_plural = _("pace plan: week (from the start) by which each top-level section should be complete")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(parent__isnull=True, is_archived=False).order_by("order", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = ["user", "enrolled_on", "is_active"]
    ordering = ["-is_active", "user__email"]
    show_change_link = True

    def get_autocomplete_fields(self, request):
        return ["user"] if _user_autocomplete_available() else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class PendingEnrollmentInline(admin.TabularInline):
    model = PendingEnrollment
    extra = 0
    fields = ["email", "invited_by", "created"]
    readonly_fields = ["email", "invited_by", "created"]
    verbose_name_plural = _("invited, waiting to sign up")

    def has_add_permission(self, request, obj=None):
        return False  # added by bulk enrollment, which also sends the invitation


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "student_count", "mentor_names", "dashboard_link"]
    search_fields = ["name"]
    date_hierarchy = "start_date"
    filter_horizontal = ["mentors"]
    inlines = [PaceMilestoneInline, EnrollmentInline, PendingEnrollmentInline]
    fieldsets = [(None, {"fields": ["name", ("start_date", "end_date"), "mentors"]})]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(student_total=Count("enrollments", filter=Q(enrollments__is_active=True)))
            .prefetch_related("mentors")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "mentors":
            # Mentors, admins and anyone already mentoring (so saving never drops a mentor).
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(Q(groups__name="mentor") | Q(is_staff=True) | Q(mentored_cohorts__isnull=False))
                .distinct()
                .order_by("email")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("students"), ordering="student_total")
    def student_count(self, obj):
        return obj.student_total

    @admin.display(description=_("mentors"))
    def mentor_names(self, obj):
        return "、".join(str(m) for m in obj.mentors.all())

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("cohorts:cohort_detail", args=[obj.pk]), _("open"))

    def save_formset(self, request, form, formset, change):
        """New enrollments go through :func:`cohorts.services.enrollment_create`; edits are saved
        with ``update_fields``."""
        if formset.model is not Enrollment:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        changed = {obj.pk: fields for obj, fields in formset.changed_objects}
        for obj in instances:
            if obj.pk is None:
                try:
                    enrollment = enrollment_create(cohort=form.instance, user=obj.user, enrolled_on=obj.enrolled_on)
                except EnrollmentConflictError as exc:
                    messages.error(request, str(exc))
                    continue
                if not obj.is_active:
                    enrollment_end(enrollment=enrollment)
            else:
                obj.save(update_fields=[*changed.get(obj.pk, []), "modified"])
        formset.save_m2m()

    def get_urls(self):
        view = self.admin_site.admin_view(self.bulk_enroll_view)
        return [path("<path:object_id>/enroll/", view, name="cohorts_cohort_bulk_enroll"), *super().get_urls()]

    def bulk_enroll_view(self, request, object_id):
        """Paste email addresses: existing users are enrolled, unknown ones invited (admin page)."""
        cohort = self.get_object(request, unquote(object_id))
        if cohort is None:
            raise Http404
        if not self.has_change_permission(request, cohort):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = BulkEnrollForm(request.POST)
            if form.is_valid():
                report = cohort_bulk_enroll(
                    cohort=cohort, text=form.cleaned_data["emails"], invited_by=request.user,
                    move=form.cleaned_data["move"],
                )  # fmt: skip
                form = BulkEnrollForm()
        else:
            form = BulkEnrollForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "cohort": cohort,
            "form": form,
            "report": report,
            "title": _("Bulk enroll in “%(cohort)s”") % {"cohort": cohort.name},
        }
        return TemplateResponse(request, "admin/cohorts/cohort/bulk_enroll.html", context)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "cohort", "enrolled_on", "is_active"]
    list_filter = ["is_active", "cohort"]
    search_fields = ["user__email", "user__display_name", "cohort__name"]
    list_select_related = ["user", "cohort"]
    actions = ["end_enrollments"]

    def get_autocomplete_fields(self, request):
        return ["user"] if _user_autocomplete_available() else []

    @admin.action(description=_("End the selected enrollments"))
    def end_enrollments(self, request, queryset):
        count = 0
        for enrollment in queryset.filter(is_active=True):
            enrollment_end(enrollment=enrollment)
            count += 1
        self.message_user(request, _("%(count)d enrollments ended.") % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        """New enrollments go through :func:`cohorts.services.enrollment_create`."""
        if change:
            obj.save(update_fields=[*form.changed_data, "modified"])
            return
        enrollment = enrollment_create(cohort=obj.cohort, user=obj.user, enrolled_on=obj.enrolled_on)
        if not obj.is_active:
            enrollment_end(enrollment=enrollment)
        obj.pk = enrollment.pk


@admin.register(PendingEnrollment)
class PendingEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["email", "cohort", "invited_by", "created"]
    list_filter = ["cohort"]
    search_fields = ["email"]
    readonly_fields = ["email", "cohort", "invited_by", "created"]

    def has_add_permission(self, request):
        return False  # use bulk enrollment, which also sends the invitation
