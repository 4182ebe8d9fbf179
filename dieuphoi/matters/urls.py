from django.urls import path

from . import views

app_name = "matters"

urlpatterns = [
    path("", views.matter_list, name="list"),
    path("matrix/", views.matrix, name="matrix"),
    path("new/", views.matter_create, name="create"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/edit/", views.matter_edit, name="edit"),
    path("<int:pk>/log/", views.log_add, name="log-add"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/links/", views.link, name="link"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
]
