from django.urls import path

from . import views

app_name = "keyprojects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("timeline/", views.timeline, name="timeline"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/phases/", views.phase_add, name="phase-add"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone-add"),
    path(
        "<int:pk>/milestones/<int:mid>/edit/",
        views.milestone_edit,
        name="milestone-edit",
    ),
    path(
        "<int:pk>/milestones/<int:mid>/complete/",
        views.milestone_complete,
        name="milestone-complete",
    ),
]
