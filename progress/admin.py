"""Read-only admin views of progress. Rows are written only through progress.services, and a
student's private note is never shown here (it is theirs alone)."""

from django.contrib import admin

from progress.models import PaperProgress, ProgressEvent, TopicProgress


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete from the admin site."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TopicProgress)
class TopicProgressAdmin(ReadOnlyAdmin):
    list_display = ("user", "section", "status", "started_at", "completed_at", "modified")
    list_filter = ("status",)
    search_fields = ("user__email", "user__display_name", "section__title")
    list_select_related = ("user", "section")
    fields = ("user", "section", "status", "started_at", "completed_at", "created", "modified")
    date_hierarchy = "modified"


@admin.register(PaperProgress)
class PaperProgressAdmin(ReadOnlyAdmin):
    list_display = ("user", "paper", "status", "completed_at", "modified")
    list_filter = ("status",)
    search_fields = ("user__email", "user__display_name", "paper__title")
    list_select_related = ("user", "paper")
    fields = ("user", "paper", "status", "completed_at", "created", "modified")


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "user", "kind", "section", "paper", "from_status", "to_status")
    list_filter = ("kind", "to_status")
    search_fields = ("user__email", "user__display_name", "section__title", "paper__title")
    list_select_related = ("user", "section", "paper")
    date_hierarchy = "created"
