from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Areas to come are listed so the layout does not change as they arrive;
# an area without a URL yet is shown as not yet available.
NAV_AREAS = [
    ("core:home", _("My work")),
    ("tasks:list", _("Tasks")),
    ("org:region", _("Region")),
    ("org:agency-list", _("Agencies")),
    ("org:body-list", _("Coordination bodies")),
    ("docs:list", _("Documents")),
]
LATER_AREAS = [_("Proposals"), _("Inter-provincial matters"), _("Joint activities"), _("Reports")]


def navigation(request):
    items = []
    path = request.path
    for url_name, label in NAV_AREAS:
        try:
            url = reverse(url_name)
        except Exception:  # noqa: BLE001,S112 - area not installed yet
            continue
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items, "nav_later": LATER_AREAS}
