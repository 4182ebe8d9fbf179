from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("escalations/", views.escalation_list, name="escalations"),
    path(
        "escalations/<int:pk>/resolve/",
        views.escalation_resolve,
        name="escalation-resolve",
    ),
]
