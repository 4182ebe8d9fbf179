from django.urls import path

from . import views

app_name = "letters"

urlpatterns = [
    path("", views.letter_list, name="list"),
    path("new/", views.letter_new, name="new"),
    path("<int:pk>/", views.letter_detail, name="detail"),
    path("<int:pk>/retry/", views.letter_retry, name="retry"),
]
