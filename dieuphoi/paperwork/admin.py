from django.contrib import admin

from .models import IssuingProfile, NumberingRegister, Paper, PaperKind


@admin.register(PaperKind)
class PaperKindAdmin(admin.ModelAdmin):
    """Templates as data: the fixed texts of each kind, edited without code.
    They are printed as plain text (markup in them is shown as typed)."""

    list_display = ("key", "doc_type", "layout", "title", "addressed", "active")
    list_editable = ("active",)
    fields = (
        "key",
        "doc_type",
        "layout",
        "title",
        "addressed",
        "closing_text",
        "always_copied",
        "order",
        "active",
    )


@admin.register(IssuingProfile)
class IssuingProfileAdmin(admin.ModelAdmin):
    list_display = ("body", "issuer_line", "symbol", "drafting_unit", "place")
    autocomplete_fields = ()
    raw_id_fields = ("issuer_agency",)


@admin.register(NumberingRegister)
class NumberingRegisterAdmin(admin.ModelAdmin):
    list_display = ("body", "name")
    filter_horizontal = ("kinds",)


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    """Read-only: papers change only through their life cycle (services)."""

    list_display = ("__str__", "body", "kind", "state", "issued_on")
    list_filter = ("state", "kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
