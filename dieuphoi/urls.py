from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from dieuphoi.api.urls import api

# 503 while the database is unreachable (the worker recovers by itself).
handler500 = "dieuphoi.core.views.server_error"
# JSON under /api/ for any path no route matches.
handler404 = "dieuphoi.core.views.page_not_found"
# JSON under /api/ for a request Django refuses before any route runs (a Host
# header it does not accept, a suspicious operation).
handler400 = "dieuphoi.core.views.bad_request"

urlpatterns = [
    path("", include("dieuphoi.core.urls")),
    path("accounts/", include("dieuphoi.accounts.urls")),
    path("registry/", include("dieuphoi.org.urls")),
    path("documents/", include("dieuphoi.docs.urls")),
    path("audit/", include("dieuphoi.audit.urls")),
    path("working-days/", include("dieuphoi.workdays.urls")),
    path("jobs/", include("dieuphoi.jobs.urls")),
    path("letters/", include("dieuphoi.letters.urls")),
    path("proposals/", include("dieuphoi.proposals.urls")),
    path("key-projects/", include("dieuphoi.keyprojects.urls")),
    path("matters/", include("dieuphoi.matters.urls")),
    path("activities/", include("dieuphoi.activities.urls")),
    path("inspections/", include("dieuphoi.inspections.urls")),
    path("calendar/", include("dieuphoi.calendars.urls")),
    path("reports/", include("dieuphoi.reports.urls")),
    path("papers/", include("dieuphoi.paperwork.urls")),
    path("notifications/", include("dieuphoi.notifications.urls")),
    path("discussions/", include("dieuphoi.discussions.urls")),
    path("reminders/", include("dieuphoi.reminders.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

if "dieuphoi.tasks" in settings.INSTALLED_APPS:
    urlpatterns.insert(1, path("tasks/", include("dieuphoi.tasks.urls")))
