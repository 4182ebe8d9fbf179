from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, written by services only."""

    list_display = ("created_at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("target_type",)
    search_fields = ("action", "actor_name", "target_repr", "request_id", "target_id")
    list_select_related = ("target_type",)
    date_hierarchy = "created_at"
    actions = None
    readonly_fields = [
        "created_at",
        "actor",
        "actor_name",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "changes",
        "request_id",
        "ip",
    ]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
