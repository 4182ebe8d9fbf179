from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("new/", views.inspection_create, name="create"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="edit"),
    path("<int:pk>/state/", views.inspection_transition, name="transition"),
    path("<int:pk>/conclusion/", views.conclusion_create, name="conclusion"),
    path("<int:pk>/findings/", views.finding_add, name="finding-add"),
    path("<int:pk>/findings/tasks/", views.findings_convert_all, name="convert-all"),
    path(
        "<int:pk>/findings/<int:fid>/task/",
        views.finding_convert,
        name="finding-convert",
    ),
]
