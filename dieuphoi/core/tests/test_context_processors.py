from unittest import mock

from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from dieuphoi.core import context_processors


def test_navigation_lists_installed_areas_and_marks_the_active_one():
    request = RequestFactory().get(reverse("core:home"))
    context = context_processors.navigation(request)
    names = [item["name"] for item in context["nav_items"]]
    assert names[0] == "core:home"
    assert context["nav_items"][0]["active"] is True
    assert all(not item["active"] for item in context["nav_items"][1:])


def test_home_is_not_active_on_other_pages():
    request = RequestFactory().get("/accounts/profile/")
    items = context_processors.navigation(request)["nav_items"]
    assert items[0]["active"] is False


def test_areas_without_urls_are_listed_as_coming():
    real_reverse = context_processors.reverse

    def reverse_without_docs(name, *args, **kwargs):
        if name == "docs:list":
            raise NoReverseMatch(name)
        return real_reverse(name, *args, **kwargs)

    context_processors._reversed.cache_clear()  # URLs are kept per process
    with mock.patch.object(context_processors, "reverse", reverse_without_docs):
        context = context_processors.navigation(RequestFactory().get("/"))
    context_processors._reversed.cache_clear()
    assert "docs:list" not in [item["name"] for item in context["nav_items"]]
    labels = [str(label) for label in context["nav_later"]]
    documents_label = next(
        str(label)
        for name, label, _ in context_processors.NAV_AREAS
        if name == "docs:list"
    )
    assert documents_label in labels
    for later in context_processors.LATER_AREAS:
        assert str(later) in labels


def test_coming_areas_render_greyed_in_a_dropdown(login, member):
    # Every area is built now: no "coming" menu. An area still to come shows
    # greyed out in it.
    html = login(member).get(reverse("core:home")).content.decode()
    assert "nav-coming" not in html
    with mock.patch.object(context_processors, "LATER_AREAS", ["Bản đồ vùng"]):
        html = login(member).get(reverse("core:home")).content.decode()
    assert 'class="dropdown-item disabled nav-coming" aria-disabled="true"' in html
    assert "Bản đồ vùng" in html


def test_menu_urls_are_kept_and_follow_the_script_prefix():
    from django.urls import set_script_prefix

    context_processors._reversed.cache_clear()
    first = context_processors.navigation(RequestFactory().get("/"))["nav_items"]
    calls = []
    real_reverse = context_processors.reverse

    def counted(name, *args, **kwargs):
        calls.append(name)
        return real_reverse(name, *args, **kwargs)

    with mock.patch.object(context_processors, "reverse", counted):
        again = context_processors.navigation(RequestFactory().get("/"))["nav_items"]
        assert calls == []  # no look-up the second time
        assert [i["url"] for i in again] == [i["url"] for i in first]
        set_script_prefix("/dieuphoi/")
        try:
            moved = context_processors.navigation(RequestFactory().get("/"))
        finally:
            set_script_prefix("/")
    assert calls  # a new prefix is looked up again
    assert all(i["url"].startswith("/dieuphoi/") for i in moved["nav_items"])
