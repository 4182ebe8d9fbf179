"""Admin: job progress and worker heartbeats are read-only (the jobs write
them); failed jobs themselves are listed by django_tasks_db's own admin."""

from django.contrib import admin

from .models import JobProgress, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobProgress)
class JobProgressAdmin(ReadOnlyAdmin):
    list_display = ["label", "job_id", "owner", "done", "total", "failed", "updated_at"]
    list_filter = ["failed"]
    search_fields = ["label", "job_id"]
    list_select_related = ["owner"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen"]
