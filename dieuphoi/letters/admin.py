from django.contrib import admin

from .models import DocumentCounter, IssuingProfile, UrgingLetter


@admin.register(IssuingProfile)
class IssuingProfileAdmin(admin.ModelAdmin):
    list_display = ("body", "issuer_line", "symbol", "signer_title", "signer_name")
    raw_id_fields = ("issuer_agency",)


@admin.register(DocumentCounter)
class DocumentCounterAdmin(admin.ModelAdmin):
    """Read-only: numbers are given by the service, under a lock."""

    list_display = ("body", "year", "doc_type", "last_number")
    list_filter = ("year",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UrgingLetter)
class UrgingLetterAdmin(admin.ModelAdmin):
    """Read-only: letters are made by the service; failures show their error."""

    list_display = ("__str__", "body", "agency", "on", "status", "created_by")
    list_filter = ("status",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
