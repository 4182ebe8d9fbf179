from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("<int:pk>/invitation/", views.invitation_create, name="invitation"),
    path("<int:pk>/send/", views.invitation_send, name="send"),
    path("<int:pk>/respond/", views.respond, name="respond"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/files/", views.upload, name="upload"),
    path("<int:pk>/conclusions/", views.conclusion_add, name="conclusion-add"),
    path(
        "<int:pk>/conclusions/<int:cid>/tasks/",
        views.conclusion_convert,
        name="convert",
    ),
    path("<int:pk>/conclude/", views.conclude, name="conclude"),
    path("<int:pk>/notice/", views.notice_create, name="notice"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/agenda/<int:iid>/", views.agenda_edit, name="agenda-edit"),
    path("<int:pk>/agenda/<int:iid>/move/", views.agenda_move, name="agenda-move"),
    path(
        "<int:pk>/agenda/<int:iid>/remove/", views.agenda_remove, name="agenda-remove"
    ),
    path("<int:pk>/agenda/<int:iid>/files/", views.agenda_upload, name="agenda-upload"),
    path("<int:pk>/invitees/", views.invitee_add, name="invitee-add"),
    path(
        "<int:pk>/invitees/<int:iid>/remove/",
        views.invitee_remove,
        name="invitee-remove",
    ),
    path("<int:pk>/matters/", views.matter_link, name="matter-link"),
    path(
        "<int:pk>/matters/<int:mid>/unlink/",
        views.matter_unlink,
        name="matter-unlink",
    ),
]
