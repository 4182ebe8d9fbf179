"""Admin: sectors are edited here; tasks and their history are read-only,
because their writes must go through the services (validation, workflow and
audit trail)."""

from django.contrib import admin

from .models import (
    DeadlineChange,
    ExtensionRequest,
    ProgressUpdate,
    Sector,
    Task,
    TaskPart,
)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "position"]
    search_fields = ["name", "key"]
    ordering = ["position", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TaskPartInline(admin.TabularInline):
    model = TaskPart
    extra = 0
    fields = ["agency", "body", "description", "deadline", "progress", "completed_on"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "title",
        "lead_agency",
        "state",
        "assigned_on",
        "deadline",
        "progress",
        "is_key",
    ]
    list_filter = ["state", "is_key", "sector", "body"]
    search_fields = ["code", "title"]
    date_hierarchy = "assigned_on"
    list_select_related = ["lead_agency"]
    show_full_result_count = False  # no COUNT(*) over every task per page
    exclude = ["search_text"]
    inlines = [TaskPartInline]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ["task", "agency", "reported_on", "percent", "author"]
    list_select_related = ["task", "agency", "author"]
    search_fields = ["task__code", "text"]
    raw_id_fields = ["task", "part"]


@admin.register(DeadlineChange)
class DeadlineChangeAdmin(ReadOnlyAdmin):
    list_display = ["task", "old_deadline", "new_deadline", "changed_by", "changed_at"]
    list_select_related = ["task", "changed_by"]
    raw_id_fields = ["task"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "task",
        "agency",
        "current_deadline",
        "requested_deadline",
        "state",
        "approved_deadline",
        "decided_by",
        "decided_on",
    ]
    list_filter = ["state"]
    list_select_related = ["task", "agency", "decided_by"]
    search_fields = ["task__code", "reason"]
    raw_id_fields = ["task"]
