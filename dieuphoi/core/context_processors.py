from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Areas to come are listed so the layout does not change as they arrive; an
# area whose URLs are not installed yet is shown greyed out as "coming".
NAV_AREAS = [
    ("core:home", _("My work"), "house"),
    ("tasks:list", _("Tasks"), "list-check"),
    ("org:region", _("Region"), "map"),
    ("org:agency-list", _("Agencies"), "building"),
    ("org:body-list", _("Coordination bodies"), "diagram-3"),
    ("docs:list", _("Documents"), "file-earmark-text"),
]
LATER_AREAS = [
    _("Proposals"),
    _("Inter-provincial matters"),
    _("Joint activities"),
    _("Reports"),
]


def nav_areas(path: str = "") -> tuple[list[dict], list[str]]:
    """``(items, coming)``: installed areas with URLs, and labels of the rest."""
    items, coming = [], []
    for url_name, label, icon in NAV_AREAS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
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


def navigation(request):
    items, coming = nav_areas(request.path)
    return {
        "nav_items": items,
        "nav_later": coming,
        "system_languages": settings.LANGUAGES,
    }
