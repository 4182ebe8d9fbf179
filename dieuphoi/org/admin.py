"""Admin for the registry. Administrators edit everything here as well as in
the app, so every save and delete writes an audit event, and membership forms
enforce the same rules as ``services.membership_create``."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dieuphoi.audit.services import audit_record, diff
from dieuphoi.core.models import local_today

from . import services
from .models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Body,
    BodyAgency,
    DutyAssignment,
    Membership,
    Region,
    RegionMembership,
)

_BEFORE_ATTR = "_org_audit_before"


def _audit_fields(model) -> list[str]:
    names = [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "version"
    ]
    if any(f.name == "predecessors" for f in model._meta.many_to_many):
        names.append("predecessors")
    return names


class AuditedAdmin(admin.ModelAdmin):
    """Records an ``org.admin_create``/``_update``/``_delete`` event per change.

    The "before" state is kept on the request (not on the shared admin
    instance) until ``save_related`` has saved the many-to-many fields.
    """

    def save_model(self, request, obj, form, change):
        fields = _audit_fields(type(obj))
        before = {}
        if change:
            old = type(obj).objects.get(pk=obj.pk)
            before = services.audit_state(old, fields)
        setattr(request, _BEFORE_ATTR, before)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, _BEFORE_ATTR, {})
        changes = diff(before, services.audit_state(obj, _audit_fields(type(obj))))
        if changes or not change:
            action = "org.admin_update" if change else "org.admin_create"
            audit_record(actor=request.user, action=action, target=obj, changes=changes)

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="org.admin_delete", target=obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="org.admin_delete", target=obj)
        super().delete_queryset(request, queryset)


class DatedListFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "valid"

    def lookups(self, request, model_admin):
        return [("current", _("Valid today")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.as_of(local_today())
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=local_today())
        return queryset


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(AuditedAdmin):
    list_display = ["name", "key", "kind", "valid_from", "valid_to", "absorbed_note"]
    list_filter = ["kind", DatedListFilter]
    search_fields = ["name", "key"]
    filter_horizontal = ["predecessors"]
    ordering = ["valid_from", "name"]


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["name", "key"]
    search_fields = ["name", "key"]


@admin.register(RegionMembership)
class RegionMembershipAdmin(AuditedAdmin):
    list_display = ["unit", "region", "valid_from", "valid_to", "legal_basis"]
    list_filter = ["region", DatedListFilter]
    search_fields = ["unit__name", "unit__key"]
    list_select_related = ["unit", "region"]
    autocomplete_fields = ["unit"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "unit", "valid_from", "valid_to"]
    list_filter = ["kind", DatedListFilter, "unit"]
    search_fields = ["name", "short_name", "code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    filter_horizontal = ["predecessors"]


class AgencySuccessionForm(forms.ModelForm):
    """The rules of ``services.succession_create`` in the admin."""

    class Meta:
        model = AgencySuccession
        fields = [
            "kind",
            "on",
            "predecessors",
            "successors",
            "document",
            "basis",
            "note",
        ]

    def clean(self):
        data = super().clean()
        errors = services.succession_validate(
            kind=data.get("kind") or "",
            on=data.get("on"),
            predecessors=list(data.get("predecessors") or []),
            successors=list(data.get("successors") or []),
            basis=data.get("basis") or "",
            exclude_pk=self.instance.pk,
        )
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return data


@admin.register(AgencySuccession)
class AgencySuccessionAdmin(AuditedAdmin):
    """Dated successions; the handover of open tasks is on the agency page."""

    form = AgencySuccessionForm
    list_display = ["__str__", "kind", "on", "basis", "handed_over_at"]
    list_filter = ["kind", "on"]
    search_fields = ["basis", "predecessors__name", "successors__name"]
    filter_horizontal = ["predecessors", "successors"]
    raw_id_fields = ["document"]
    readonly_fields = ["handed_over_at", "handed_over_by"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Lineage filters follow Agency.predecessors: keep them in step.
        predecessors = list(form.instance.predecessors.all())
        for successor in form.instance.successors.all():
            successor.predecessors.add(*predecessors)


class BodyAgencyInline(admin.TabularInline):
    model = BodyAgency
    extra = 0
    autocomplete_fields = ["agency"]
    fields = ["agency", "role", "valid_from", "valid_to", "legal_basis"]


@admin.register(Body)
class BodyAdmin(AuditedAdmin):
    list_display = ["name", "key", "kind", "unit", "valid_from", "valid_to"]
    list_filter = ["kind", DatedListFilter]
    search_fields = ["name", "short_name", "key"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "parent"]
    raw_id_fields = ["establishing_document"]
    inlines = [BodyAgencyInline]


@admin.register(BodyAgency)
class BodyAgencyAdmin(AuditedAdmin):
    list_display = ["agency", "role", "body", "valid_from", "valid_to"]
    list_filter = ["role", DatedListFilter, "body"]
    search_fields = ["agency__name", "agency__code", "body__name"]
    list_select_related = ["agency", "body"]
    autocomplete_fields = ["agency", "body"]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = [
            "person",
            "body",
            "role",
            "agency",
            "position",
            "is_part_time",
            "duties",
            "appointing_document",
            "valid_from",
            "valid_to",
            "legal_basis",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.membership_validate(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class DutyAssignmentInline(admin.TabularInline):
    model = DutyAssignment
    extra = 0
    fields = ["assigned_on", "text", "assigned_by", "document"]
    raw_id_fields = ["assigned_by", "document"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    form = MembershipAdminForm
    list_display = ["person", "role", "body", "agency", "valid_from", "valid_to"]
    list_filter = ["role", DatedListFilter, "body", "is_part_time"]
    search_fields = [
        "person__full_name",
        "person__username",
        "agency__name",
        "body__name",
    ]
    list_select_related = ["person", "body", "agency"]
    autocomplete_fields = ["person", "body", "agency"]
    raw_id_fields = ["appointing_document"]
    inlines = [DutyAssignmentInline]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(AuditedAdmin):
    list_display = ["membership", "assigned_on", "assigned_by"]
    list_filter = ["assigned_on"]
    search_fields = ["membership__person__full_name", "text"]
    list_select_related = ["membership__person", "membership__body", "assigned_by"]
    raw_id_fields = ["membership", "assigned_by", "document"]
