"""Template helpers for the shared UI components (``{% load ui %}``)."""

from django import forms, template
from django.template import engines
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput,)
_CHOICE_LIST_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)
_SELECT_WIDGETS = (forms.Select, forms.SelectMultiple)


@register.filter
def field_kind(bound_field) -> str:
    """One of ``hidden``, ``checkbox``, ``choices``, ``select``, ``input``."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, _CHOICE_LIST_WIDGETS):
        return "choices"
    if isinstance(widget, _CHECK_WIDGETS):
        return "checkbox"
    if isinstance(widget, _SELECT_WIDGETS):
        return "select"
    return "input"


def _described_by(bound_field) -> str:
    ids = []
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_helptext")
    return " ".join(ids)


def _attrs(bound_field, css_class: str) -> dict:
    widget = bound_field.field.widget
    classes = [widget.attrs.get("class", ""), css_class]
    attrs = {}
    if bound_field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
    described_by = _described_by(bound_field)
    if described_by:
        attrs["aria-describedby"] = described_by
    attrs["class"] = " ".join(c for c in classes if c)
    return attrs


@register.simple_tag
def form_widget(bound_field):
    """The field's widget with Bootstrap classes, validity and ARIA links."""
    kind = field_kind(bound_field)
    if kind == "hidden":
        return bound_field.as_widget()
    css = {
        "checkbox": "form-check-input",
        "select": "form-select",
    }.get(kind, "form-control")
    return bound_field.as_widget(attrs=_attrs(bound_field, css))


@register.simple_tag
def choice_widget(bound_field, choice):
    """One radio or checkbox of a choice list, with the field's validity."""
    attrs = dict(choice.data["attrs"])
    extra = _attrs(bound_field, "form-check-input")
    attrs.update(extra)
    choice.data["attrs"] = attrs
    return choice.tag(wrap_label=False)


@register.simple_tag
def fixed_url(name: str) -> str:
    """``{% fixed_url "accounts:profile" %}``: ``{% url %}`` for a URL without
    arguments, reversed once per process and script prefix (the layout has a
    dozen on every page), as the menu's (``core.context_processors``)."""
    from dieuphoi.core.context_processors import menu_url

    url = menu_url(name)
    if url is None:
        raise NoReverseMatch(f"{name!r} is not a URL name without arguments")
    return url


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra):
    """``{% jinja "tasks/_task_rows.jinja" [name=value ...] %}``: a Jinja2
    template (``dieuphoi.core.jinja``) rendered with this page's context and
    ``extra``, for the loops that render many rows. Escaped by Jinja2."""
    template = engines["jinja2"].get_template(template_name)
    html = template.render({**context.flatten(), **extra}, context.get("request"))
    # Jinja2 escaped every value (autoescape is forced on, core.jinja).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
