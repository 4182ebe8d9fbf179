"""Admin: reminders are the job's record (read-only); escalations are
resolved on the ``reminders:escalations`` page (audited), so read-only here."""

from django.contrib import admin

from .models import Reminder, TaskEscalation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "kind", "deadline", "seq", "sent_on"]
    list_filter = ["kind", "sent_on"]
    raw_id_fields = ["task", "part"]
    list_select_related = ["task"]
    search_fields = ["task__code"]


@admin.register(TaskEscalation)
class TaskEscalationAdmin(ReadOnlyAdmin):
    list_display = ["id", "task", "escalated_on", "urge_count", "resolved"]
    list_filter = ["resolved"]
    raw_id_fields = ["task", "resolved_by"]
    list_select_related = ["task"]
    search_fields = ["task__code"]
