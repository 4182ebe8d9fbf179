from django.urls import path

from . import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("days/", views.day_add, name="day-add"),
    path("days/<int:pk>/remove/", views.day_remove, name="day-remove"),
]
