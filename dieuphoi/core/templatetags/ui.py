"""Template helpers for the shared UI components (``{% load ui %}``)."""

from django import forms, template
from django.conf import settings
from django.core.signals import setting_changed
from django.template import engines
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from dieuphoi.core import cache as stamps
from dieuphoi.core.context_processors import menu_url

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


def _field_html(bound_field) -> str:
    return render_to_string("components/form_field.html", {"field": bound_field})


@register.simple_tag
def filter_field(bound_field):
    """``{% filter_field form.sector %}``: ``components/form_field.html`` for
    a filter form's field, remembered in this process per value.

    Only for fields that show the same to everyone: fixed choices, or the
    registry's options (``tasks.forms.Choices``). The HTML is then made of
    the field's value, the language and the registry alone, so it is kept
    (``core.cache.memo``) until the registry stamp changes, with the same
    switch as the registry's options (``REGISTRY_CHOICES_CACHE``). A field
    with an error is drawn every time. The task list's five visible filters
    cost some 1.5 ms a page drawn each time (a select of 280 agencies
    among them)."""
    form = bound_field.form
    if (
        not getattr(settings, "REGISTRY_CHOICES_CACHE", False)
        or not form.is_bound
        or bound_field.errors
    ):
        return _field_html(bound_field)
    name = bound_field.html_name
    data = form.data
    raw = tuple(data.getlist(name)) if hasattr(data, "getlist") else (data.get(name),)
    return stamps.memo(
        f"ui:filter-field:{type(form).__module__}.{type(form).__qualname__}:{name}",
        (get_language(), bound_field.auto_id, raw),
        lambda: _field_html(bound_field),
        stamps=(stamps.REGISTRY,),
    )


@register.simple_tag
def fixed_url(name: str) -> str:
    """``{% fixed_url "accounts:profile" %}``: ``{% url %}`` for a URL without
    arguments, reversed once per process and script prefix (the layout has a
    dozen on every page), as the menu's (``core.context_processors``)."""
    url = menu_url(name)
    if url is None:
        raise NoReverseMatch(f"{name!r} is not a URL name without arguments")
    return url


class RememberNode(template.Node):
    def __init__(self, name: str, keys: list, nodelist) -> None:
        self.name = name
        self.keys = keys
        self.nodelist = nodelist

    def render(self, context) -> str:
        if not getattr(settings, "TEMPLATE_FRAGMENT_MEMO", True):
            return self.nodelist.render(context)
        parts = (
            tuple(key.resolve(context) for key in self.keys),
            get_language(),
            get_script_prefix(),
        )
        return stamps.memo(
            f"ui:remember:{self.name}",
            parts,
            lambda: self.nodelist.render(context),
            stamps=(),
            size=REMEMBER_SIZE,
        )


# Entries per fragment name (the menu: one per page it marks active, per set
# of pages a user may open, per language).
REMEMBER_SIZE = 256


@register.tag
def remember(parser, token):
    """``{% remember "name" key ... %}...{% endremember %}``: the block
    rendered once per process, language and script prefix for each value of
    the keys (hashable values), then given as it was. For the layout's parts
    that every page draws the same way (the head's assets, the menu): the
    keys must hold everything the block reads that can differ between two
    requests, and the block must not hold a request's own data (no CSRF
    token, no user's name unless in the keys). Off with
    ``TEMPLATE_FRAGMENT_MEMO = False``; forgotten on any setting change (tests)."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "{% remember %} takes a quoted name, then the keys"
        )
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    keys = [parser.compile_filter(bit) for bit in bits[2:]]
    return RememberNode(bits[1][1:-1], keys, nodelist)


def _forget_fragments(**kwargs) -> None:
    stamps.clear_memo()


setting_changed.connect(_forget_fragments, dispatch_uid="core.ui.remember")


@register.simple_tag(takes_context=True)
def jinja(context, template_name: str, **extra):
    """``{% jinja "tasks/_task_rows.jinja" [name=value ...] %}``: a Jinja2
    template (``dieuphoi.core.jinja``) rendered with this page's context and
    ``extra``, for the loops that render many rows. Escaped by Jinja2."""
    template = engines["jinja2"].get_template(template_name)
    html = template.render({**context.flatten(), **extra}, context.get("request"))
    # Jinja2 escaped every value (autoescape is forced on, core.jinja).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
