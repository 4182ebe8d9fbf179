from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.month, name="month"),
    path("week/", views.week, name="week"),
    path("agenda/", views.agenda, name="agenda"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/new/", views.feed_create, name="feed-create"),
    path("feeds/<int:pk>/revoke/", views.feed_revoke, name="feed-revoke"),
    path("feeds/<int:pk>/regenerate/", views.feed_regenerate, name="feed-regenerate"),
    path("feeds/<str:secret>.ics", views.feed, name="feed"),
]
