"""Admin: document types are edited here; documents and attachments are
read-only, because their writes must go through the services (validation and
audit trail)."""

from django.contrib import admin

from .models import Attachment, Document, DocumentType


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "key", "is_normative"]
    list_filter = ["is_normative"]
    search_fields = ["name", "abbreviation", "key"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "doc_type", "issued_on", "issuer", "body", "direction"]
    list_filter = ["direction", "doc_type", "body"]
    search_fields = ["number", "symbol", "summary"]
    date_hierarchy = "issued_on"
    list_select_related = ["doc_type", "issuer", "body"]
    exclude = ["search_text"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "content_type",
        "size",
        "target_type",
        "target_id",
        "uploaded_at",
    ]
    list_filter = ["content_type"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["target_type", "uploaded_by"]
