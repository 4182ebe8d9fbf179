"""Admin: calendar days are edited here too, but every save and delete goes
through the services (validation and audit trail); daily runs are read-only."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import CalendarDay, DailyRun


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "status", "note", "basis_number", "updated_at"]
    list_filter = ["kind", "status"]
    search_fields = ["note", "basis_number", "basis_issuer", "legal_basis"]
    date_hierarchy = "date"
    fields = [
        "date",
        "kind",
        "status",
        "note",
        "basis_number",
        "basis_date",
        "basis_issuer",
        "basis_url",
        "basis_document",
        "legal_basis",
    ]
    readonly_fields = ["status"]
    raw_id_fields = ["basis_document"]
    actions = None  # no bulk delete: it would bypass the audit trail

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "basis_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ServiceCheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                date, kind = cleaned.get("date"), cleaned.get("kind")
                if date and kind:
                    try:
                        services.check_changes_something(date, kind)
                        services.clean_basis(
                            basis_number=cleaned.get("basis_number", ""),
                            basis_date=cleaned.get("basis_date"),
                            basis_issuer=cleaned.get("basis_issuer", ""),
                            basis_url=cleaned.get("basis_url", ""),
                        )
                    except ValidationError as exc:
                        for field, errors in exc.message_dict.items():
                            self.add_error(field, errors)
                return cleaned

        return ServiceCheckedForm

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            old = CalendarDay.objects.get(pk=obj.pk)
            services.calendar_day_remove(actor=request.user, day=old)
            obj.pk = None
        saved = services.calendar_day_set(
            actor=request.user,
            date=obj.date,
            kind=obj.kind,
            note=obj.note,
            basis_number=obj.basis_number,
            basis_date=obj.basis_date,
            basis_issuer=obj.basis_issuer,
            basis_url=obj.basis_url,
            basis_document=obj.basis_document,
            legal_basis=obj.legal_basis,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.calendar_day_remove(actor=request.user, day=obj)


@admin.register(DailyRun)
class DailyRunAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "job_id", "backend", "enqueued_at"]
    list_filter = ["name"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
