"""Admin: document types are edited here; documents and attachments are
read-only, because their writes must go through the services (validation and
audit trail). The one write on attachments is the "Restore" action, through
``services.attachment_restore``."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dieuphoi.org.permissions import is_admin

from . import services
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


class RemovedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", _("Attached")), ("yes", _("Removed (restorable)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Every file, removed ones too: administrators restore a removed file
    (the "Restore" action) until the daily purge deletes it for good."""

    list_display = [
        "original_name",
        "content_type",
        "size",
        "target_type",
        "target_id",
        "uploaded_by",
        "uploaded_at",
        "deleted_at",
        "deleted_by",
    ]
    list_filter = [RemovedFilter, "content_type"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["target_type", "uploaded_by", "deleted_by"]
    actions = ["restore"]

    def get_queryset(self, request):
        return Attachment.all_objects.select_related(
            "target_type", "uploaded_by", "deleted_by"
        )

    def has_restore_permission(self, request) -> bool:
        return is_admin(request.user)

    @admin.action(
        description=_("Restore the selected removed files"), permissions=["restore"]
    )
    def restore(self, request, queryset):
        restored, failed = 0, []
        for attachment in queryset.filter(deleted_at__isnull=False):
            try:
                services.attachment_restore(actor=request.user, attachment=attachment)
            except ValidationError:
                failed.append(attachment.original_name)
            else:
                restored += 1
        if restored:
            self.message_user(
                request,
                ngettext(
                    "%(count)d file was restored.",
                    "%(count)d files were restored.",
                    restored,
                )
                % {"count": restored},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                gettext("These files could not be restored: %(names)s.")
                % {"names": ", ".join(failed)},
                messages.ERROR,
            )
