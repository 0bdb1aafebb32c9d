"""Admin for users (email-based, with roles) and invitations (bulk invite, resend)."""

import smtplib

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import InvitationBulkForm
from accounts.models import Invitation, Role, User
from accounts.selectors import users_with_role
from accounts.services import REMINDER_FIELDS, invitations_bulk_create, invitations_send
from accounts.tasks import invitations_send_task


class RoleListFilter(admin.SimpleListFilter):
    """Filter users by role (admin, mentor, student, none), with the precedence of ``User.role``."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [*Role.choices, ("none", _("No role"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value in Role.values:
            return queryset.filter(pk__in=users_with_role(value).values("pk"))
        if value == "none":
            ids = set()
            for role in Role.values:
                ids.update(users_with_role(role).values_list("pk", flat=True))
            return queryset.exclude(pk__in=ids)
        return queryset


class UserCreationForm(AdminUserCreationForm):
    """Admin "add user" form keyed by email."""

    class Meta:
        model = User
        fields = ("email",)


class UserChangeFormByEmail(UserChangeForm):
    """Admin "change user" form keyed by email."""

    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users are found by email or display name and filtered by role, active and admin flags."""

    form = UserChangeFormByEmail
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "role_display", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = [RoleListFilter, "is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "language", "time_zone")}),
        (
            _("Reminders"),
            {"fields": REMINDER_FIELDS},
        ),
        (
            _("Role and permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _("Student and mentor are the groups of the same name; admin means the “admin” flag."),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))

    @admin.display(description=_("role"))
    def role_display(self, obj: User) -> str:
        # Uses the prefetched groups instead of one query per row.
        names = {group.name for group in obj.groups.all()}
        if obj.is_staff:
            return Role.ADMIN.label
        if Role.MENTOR in names:
            return Role.MENTOR.label
        if Role.STUDENT in names:
            return Role.STUDENT.label
        return "—"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations: the bulk "invite these emails" form (button above the list) and a resend action.

    Adding a single invitation with the add form also emails it: the send is queued with
    ``invitations_send_task.delay_on_commit`` once the new row is committed.
    """

    list_display = ["email", "role", "status_display", "invited_by", "created", "sent_at", "accepted_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = ["created", "sent_at", "accepted_at", "invited_by"]
    fields = ["email", "role", "invited_by", "created", "sent_at", "accepted_at"]
    actions = ["resend"]
    change_list_template = "admin/accounts/invitation/change_list.html"

    @admin.display(description=_("status"))
    def status_display(self, obj: Invitation) -> str:
        return {
            "accepted": _("accepted"),
            "unsent": _("not sent"),
            "expired": _("expired"),
            "pending": _("pending"),
        }[obj.status]

    def save_model(self, request, obj, form, change):
        if not change and obj.invited_by_id is None:
            obj.invited_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            invitations_send_task.delay_on_commit([obj.pk])
            self.message_user(
                request,
                _("The invitation email to %(email)s is being sent.") % {"email": obj.email},
                messages.SUCCESS,
            )

    @admin.action(description=_("Send (again) the invitation email to the selected addresses"))
    def resend(self, request, queryset):
        pending = list(queryset.filter(accepted_at__isnull=True).select_related("invited_by"))
        try:
            sent = invitations_send(invitations=pending, request=request)
        except (smtplib.SMTPException, OSError) as exc:
            self._report_send_failure(request, exc)
            return
        skipped = queryset.count() - len(pending)
        self.message_user(
            request,
            ngettext("%(count)d invitation email sent.", "%(count)d invitation emails sent.", sent) % {"count": sent},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d invitation was already accepted and was skipped.",
                    "%(count)d invitations were already accepted and were skipped.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def get_urls(self):
        urls = super().get_urls()
        bulk = path("bulk/", self.admin_site.admin_view(self.bulk_invite_view), name="accounts_invitation_bulk")
        return [bulk, *urls]

    def bulk_invite_view(self, request):
        """The "invite these emails" page: paste addresses, choose a role, create and send."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = InvitationBulkForm(request.POST)
            if form.is_valid():
                result = invitations_bulk_create(
                    emails=form.cleaned_data["emails"], role=form.cleaned_data["role"], invited_by=request.user
                )
                sent = 0
                if form.cleaned_data["send"]:
                    started = timezone.now()
                    try:
                        sent = invitations_send(invitations=result.to_send, request=request)
                    except (smtplib.SMTPException, OSError) as exc:
                        self._report_send_failure(request, exc)
                        sent = sum(1 for inv in result.to_send if inv.sent_at is not None and inv.sent_at >= started)
                self._report_bulk(request, result, sent)
                return redirect(reverse("admin:accounts_invitation_changelist"))
        else:
            form = InvitationBulkForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Invite by email"),
            "form": form,
            "settings_days": settings.INVITATION_EXPIRY_DAYS,
        }
        return TemplateResponse(request, "admin/accounts/invitation/bulk_invite.html", context)

    def _report_send_failure(self, request, exc):
        self.message_user(
            request,
            _("Sending failed (%(error)s). Invitations without a “sent at” time were not mailed; use “resend” later.")
            % {"error": exc},
            messages.ERROR,
        )

    def _report_bulk(self, request, result, sent):
        self.message_user(
            request,
            _("%(created)d new, %(pending)d already invited, %(skipped)d skipped; emails sent: %(sent)d.")
            % {
                "created": len(result.created),
                "pending": len(result.pending),
                "skipped": len(result.skipped),
                "sent": sent,
            },
            messages.SUCCESS,
        )
        if result.skipped:
            self.message_user(
                request,
                _("Skipped (an account exists or the invitation was accepted): %(emails)s")
                % {"emails": ", ".join(result.skipped)},
                messages.WARNING,
            )
