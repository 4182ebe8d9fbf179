from django.urls import path

from . import views
from .extensions import views as extension_views

app_name = "tasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("export.xlsx", views.task_export, name="export"),
    path("summary/", views.task_summary, name="summary"),
    path(
        "extension-requests/",
        extension_views.extension_list,
        name="extension-list",
    ),
    path("new/", views.task_create, name="create"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("<int:pk>/transition/", views.task_transition, name="transition"),
    path("<int:pk>/progress/", views.task_progress, name="progress"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "<int:pk>/extension-requests/",
        extension_views.extension_request,
        name="extension-request",
    ),
    path(
        "<int:pk>/part-extension-requests/",
        extension_views.part_extension_request,
        name="part-extension-request",
    ),
    path(
        "<int:pk>/extension-requests/<int:rid>/decision/",
        extension_views.extension_decide,
        name="extension-decide",
    ),
    path(
        "<int:pk>/extension-requests/<int:rid>/withdraw/",
        extension_views.extension_withdraw,
        name="extension-withdraw",
    ),
]
