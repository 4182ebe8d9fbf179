from django.urls import path

from . import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("days/", views.day_add, name="day-add"),
    path("days/confirm/", views.day_confirm, name="day-confirm"),
    path("days/<int:pk>/remove/", views.day_remove, name="day-remove"),
    path("days-off.json", views.days_off, name="days-off"),
]
