import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Areas to come are listed so the layout does not change as they arrive; an
# area whose URLs are not installed yet is shown greyed out as "coming".
NAV_AREAS = [
    ("core:home", _("My work"), "house"),
    ("tasks:list", _("Tasks"), "list-check"),
    ("org:region", _("Region"), "map"),
    ("org:agency-list", _("Agencies"), "building"),
    ("org:body-list", _("Coordination bodies"), "diagram-3"),
    ("docs:list", _("Documents"), "file-earmark-text"),
    ("proposals:list", _("Proposals"), "lightbulb"),
    ("keyprojects:list", _("Key projects"), "bricks"),
    ("matters:list", _("Inter-provincial matters"), "signpost-split"),
    ("activities:list", _("Joint activities"), "calendar-event"),
    ("reports:list", _("Reports"), "file-earmark-bar-graph"),
]
LATER_AREAS: list = []


def nav_areas(path: str = "") -> tuple[list[dict], list[str]]:
    """``(items, coming)``: installed areas with URLs, and labels of the rest."""
    items, coming = [], []
    for url_name, label, icon in NAV_AREAS:
        url = menu_url(url_name)
        if url is None:
            coming.append(label)
            continue
        active = path == url if url == "/" else path.startswith(url)
        items.append(
            {
                "url": url,
                "label": label,
                "icon": icon,
                "active": active,
                "name": url_name,
            }
        )
    return items, [*coming, *LATER_AREAS]


def _sees_some_body(user) -> bool:
    """Administrator, city leadership viewer, or a membership valid today."""
    from dieuphoi.org import permissions as org_perms

    if org_perms.is_admin(user) or org_perms.is_leadership(user):
        return True
    flag = getattr(user, "nav_has_seat", None)  # loaded by core.auth
    if flag is not None:
        return bool(flag)
    return bool(org_perms.body_roles(user))


def _manages_some_body(user) -> bool:
    """Administrator, viewer, or leader/deputy/secretariat/specialist today."""
    from dieuphoi.org import permissions as org_perms

    if org_perms.is_admin(user) or org_perms.is_leadership(user):
        return True
    flag = getattr(user, "nav_manages", None)  # loaded by core.auth
    if flag is not None:
        return bool(flag)
    return any(
        roles & org_perms.MANAGER_ROLES for roles in org_perms.body_roles(user).values()
    )


def _everyone(user) -> bool:
    return True


# Pages reached from an area's menu: (area, URL name, label, icon, who sees
# the entry: the same rule as the page's own check). A page whose URL is not
# installed is left out. The role checks use the flags loaded with the user
# (dieuphoi.core.auth), so the menu adds no query to a page.
NAV_PAGES = [
    ("tasks:list", "tasks:list", _("All tasks"), "list-check", _everyone),
    (
        "tasks:list",
        "tasks:summary",
        pgettext_lazy("task summary page", "Summary"),
        "bar-chart",
        _everyone,
    ),
    (
        "tasks:list",
        "reminders:escalations",
        _("Escalations"),
        "exclamation-triangle",
        _manages_some_body,
    ),
    (
        "tasks:list",
        "tasks:extension-list",
        _("Extension requests"),
        "calendar-plus",
        _sees_some_body,
    ),
    ("docs:list", "docs:list", _("Document register"), "file-earmark-text", _everyone),
    (
        "docs:list",
        "paperwork:list",
        _("Official documents"),
        "file-earmark-richtext",
        _sees_some_body,
    ),
    (
        "docs:list",
        "letters:list",
        _("Urging letters"),
        "envelope-paper",
        _sees_some_body,
    ),
    ("proposals:list", "proposals:list", _("All proposals"), "list-ul", _everyone),
    (
        "proposals:list",
        "proposals:board",
        _("Pipeline board"),
        "kanban",
        _everyone,
    ),
    (
        "keyprojects:list",
        "keyprojects:list",
        _("All key projects"),
        "list-ul",
        _everyone,
    ),
    (
        "keyprojects:list",
        "keyprojects:timeline",
        _("Milestone timeline"),
        "calendar-range",
        _everyone,
    ),
    ("matters:list", "matters:list", _("All matters"), "list-ul", _everyone),
    (
        "matters:list",
        "matters:matrix",
        _("Province by state matrix"),
        "grid-3x3",
        _everyone,
    ),
    (
        "activities:list",
        "activities:list",
        _("Meetings and activities"),
        "people",
        _everyone,
    ),
    (
        "activities:list",
        "inspections:list",
        _("Inspections"),
        "clipboard-check",
        _everyone,
    ),
    ("activities:list", "calendars:month", _("Calendar"), "calendar3", _everyone),
    ("reports:list", "reports:list", _("Periodic reports"), "list-ul", _everyone),
    (
        "reports:list",
        "reports:my-contributions",
        _("My contributions"),
        "pencil-square",
        _everyone,
    ),
    (
        "reports:list",
        "reports:scorecards",
        _("Agency scorecards"),
        "bar-chart",
        _sees_some_body,
    ),
]


def nav_pages(user, path: str = "") -> dict[str, list[dict]]:
    """``{area URL name: [page]}``: the menu entries ``user`` may open."""
    pages: dict[str, list[dict]] = {}
    for area, url_name, label, icon, allowed in NAV_PAGES:
        url = menu_url(url_name)
        if url is None:
            continue
        if not getattr(user, "is_authenticated", False) or not allowed(user):
            continue
        pages.setdefault(area, []).append(
            {
                "url": url,
                "label": label,
                "icon": icon,
                "name": url_name,
                "active": path == url,
            }
        )
    # A menu of one entry (the area itself) is no menu.
    return {area: entries for area, entries in pages.items() if len(entries) > 1}


def nav_menu(user, path: str = "") -> list[dict]:
    """The installed areas, each with ``pages``: its menu (may be empty)."""
    items, _coming = nav_areas(path)
    pages = nav_pages(user, path)
    return [{**item, "pages": pages.get(item["name"], [])} for item in items]


def _days_off_url() -> str:
    """The days-off endpoint the date fields ask (``static/js/dates.js``)."""
    return menu_url("workdays:days-off") or ""


def menu_url(url_name: str) -> str | None:
    """``reverse(url_name)``, or None when the URL is not installed; kept
    per process (some 45 look-ups on every page, 1.5 ms)."""
    return _reversed(url_name, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _reversed(url_name: str, _prefix: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _forget_urls(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()


setting_changed.connect(_forget_urls, dispatch_uid="core.context_processors.urls")


def menu_key(menu: list[dict], coming: list) -> tuple:
    """What tells two menus apart, for the layout's ``{% remember %}``: the
    areas and pages shown and which is active, and the areas to come (each
    entry's URL, label and icon follow from its name, per language)."""
    return (
        tuple(
            (
                item["name"],
                item["active"],
                tuple((page["name"], page["active"]) for page in item["pages"]),
            )
            for item in menu
        ),
        tuple(str(label) for label in coming),
    )


def navigation(request):
    items, coming = nav_areas(request.path)
    user = getattr(request, "user", None)
    # Evaluated only when the menu is rendered (not for JSON or fragments).
    menu = SimpleLazyObject(lambda: nav_menu(user, request.path))
    return {
        "days_off_url": _days_off_url(),
        "nav_items": items,
        "nav_menu": menu,
        # A callable: the template calls it only where the menu is drawn.
        "nav_key": lambda: menu_key(menu, coming),
        "nav_later": coming,
        "system_languages": settings.LANGUAGES,
    }
