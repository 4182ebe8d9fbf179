from django.contrib import admin

from .models import UrgingLetter


@admin.register(UrgingLetter)
class UrgingLetterAdmin(admin.ModelAdmin):
    """Read-only: letters are made by the service; failures show their error."""

    list_display = ("__str__", "body", "agency", "on", "status", "created_by")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
