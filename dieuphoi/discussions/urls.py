from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("comments/<int:pk>/", views.comment_detail, name="comment"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="edit"),
    path("<slug:target>/<int:pk>/", views.thread, name="thread"),
    path("<slug:target>/<int:pk>/comment/", views.comment_create, name="create"),
]
