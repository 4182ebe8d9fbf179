"""Admin: calendar days are edited here too, but every save and delete goes
through the services (validation and audit trail); daily runs are read-only."""

from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import CalendarDay, DailyRun


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "note", "legal_basis", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["note", "legal_basis"]
    date_hierarchy = "date"
    fields = ["date", "kind", "note", "legal_basis"]
    actions = None  # no bulk delete: it would bypass the audit trail

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
                        services._check_changes_something(date, kind)
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
