from django.urls import path

from . import views

app_name = "docs"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "attachments/<int:pk>/download/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "attachments/<int:pk>/remove/",
        views.attachment_remove,
        name="attachment-remove",
    ),
]
