from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("region/", views.region, name="region"),
    path("units/new/", views.unit_create, name="unit-create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/new/", views.agency_create, name="agency-create"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency-detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("agencies/<int:pk>/handover/", views.agency_handover, name="agency-handover"),
    path(
        "successions/<int:pk>/handover/",
        views.succession_handover,
        name="succession-handover",
    ),
    path("bodies/", views.body_list, name="body-list"),
    path("bodies/<int:pk>/", views.body_detail, name="body-detail"),
    path("bodies/<int:pk>/edit/", views.body_edit, name="body-edit"),
    path(
        "bodies/<int:pk>/members/new/",
        views.membership_create,
        name="membership-create",
    ),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership-edit"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("memberships/<int:pk>/duties/", views.duty_assign, name="duty-assign"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
]
