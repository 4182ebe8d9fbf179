from django import forms
from django.contrib import admin
from django.utils.translation import gettext

from .models import Report, SectionTemplate


def clean_headings(value) -> list[dict]:
    """``[{"key", "title", "required", "hint"}]`` with unique, non-empty keys
    and titles; ``ValidationError`` naming what is wrong."""
    if not isinstance(value, list) or not value:
        raise forms.ValidationError(gettext("Give at least one heading, as a list."))
    out, seen = [], set()
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise forms.ValidationError(
                gettext("Heading %(n)d is not an object.") % {"n": i}
            )
        key = str(item.get("key") or "").strip()
        title = str(item.get("title") or "").strip()
        if not key or not title or len(key) > 40 or len(title) > 300:
            raise forms.ValidationError(
                gettext(
                    "Heading %(n)d needs a key (up to 40 characters) and a title "
                    "(up to 300)."
                )
                % {"n": i}
            )
        if key in seen:
            raise forms.ValidationError(
                gettext("The key “%(key)s” is used twice.") % {"key": key}
            )
        seen.add(key)
        out.append(
            {
                "key": key,
                "title": title,
                "required": bool(item.get("required")),
                "hint": str(item.get("hint") or "").strip()[:500],
            }
        )
    return out


class SectionTemplateForm(forms.ModelForm):
    class Meta:
        model = SectionTemplate
        fields = ("period_type", "name", "headings", "active")

    def clean_headings(self):
        return clean_headings(self.cleaned_data.get("headings"))


@admin.register(SectionTemplate)
class SectionTemplateAdmin(admin.ModelAdmin):
    """Templates as data: the headings agencies are asked to fill."""

    form = SectionTemplateForm
    list_display = ("name", "period_type", "active")
    list_editable = ("active",)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: reports change through their pages and their document."""

    list_display = ("title", "body", "period_type", "end", "state")
    list_filter = ("period_type", "state")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
