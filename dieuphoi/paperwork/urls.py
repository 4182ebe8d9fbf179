from django.urls import path

from . import views

app_name = "paperwork"

urlpatterns = [
    path("", views.paper_list, name="list"),
    path("inbox/", views.paper_inbox, name="inbox"),
    path("new/", views.paper_create, name="create"),
    path("<int:pk>/", views.paper_detail, name="detail"),
    path("<int:pk>/edit/", views.paper_edit, name="edit"),
    path("<int:pk>/upload/", views.paper_upload, name="upload"),
    path("<int:pk>/sign/", views.paper_sign, name="sign"),
    path(
        "<int:pk>/versions/<int:number>/<str:fmt>/",
        views.version_file,
        name="version-file",
    ),
    path("<int:pk>/<slug:action>/", views.paper_action, name="action"),
]
