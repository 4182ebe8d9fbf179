from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("<uuid:pk>/progress/", views.job_progress, name="progress"),
]
