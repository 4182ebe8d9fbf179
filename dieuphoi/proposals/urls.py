from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("board/", views.proposal_board, name="board"),
    path("new/", views.proposal_create, name="create"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/drafts/", views.draft_add, name="draft-add"),
    path("<int:pk>/action/", views.proposal_action, name="action"),
    path("<int:pk>/tasks/", views.proposal_task_new, name="task-new"),
    path("<int:pk>/rounds/new/", views.round_new, name="round-new"),
    path("<int:pk>/synthesis/", views.synthesis, name="synthesis"),
    path(
        "<int:pk>/synthesis.<str:fmt>",
        views.synthesis_export,
        name="synthesis-export",
    ),
    path("drafts/<int:pk>/diff/", views.draft_diff, name="diff"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/draft/", views.round_draft, name="round-draft"),
    path("rounds/<int:pk>/close/", views.round_close, name="round-close"),
    path(
        "rounds/<int:pk>/parties/<int:party_pk>/answer/",
        views.round_answer,
        name="answer",
    ),
    path("rounds/<int:pk>/synthesis/", views.round_synthesis, name="round-synthesis"),
    path(
        "rounds/<int:pk>/synthesis.<str:fmt>",
        views.synthesis_export,
        {"whole": False},
        name="round-synthesis-export",
    ),
    path("comments/<int:pk>/respond/", views.comment_respond, name="respond"),
]
