"""Admin for the reminder log: read-only, filterable by kind, status and date.

Rows are written by :mod:`reminders.services` only; editing or deleting one could make a run send
the same message again, so the admin shows them and nothing more.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from reminders.models import ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ("created", "user", "kind", "period_key", "status", "attempts", "sent_at", "preview_link")
    list_filter = ("kind", "status", "created")
    date_hierarchy = "created"
    search_fields = ("user__email", "user__display_name", "to_email", "period_key")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in ReminderLog._meta.fields] + ["preview_link"]
    ordering = ("-created", "-pk")

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        """A link to the staff preview of this user's mail of this kind."""
        query = urlencode({"user": obj.user_id, "kind": obj.kind})
        return format_html('<a href="{}?{}">{}</a>', reverse("reminders:preview"), query, _("preview"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
