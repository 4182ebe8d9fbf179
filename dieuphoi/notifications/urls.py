from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.notification_badge, name="badge"),
    path("read-all/", views.notification_read_all, name="read-all"),
    path("settings/", views.notification_preferences, name="preferences"),
    path("emails/", views.email_list, name="emails"),
    path("emails/<int:pk>/resend/", views.email_resend, name="email-resend"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
]
