from django.urls import path

from . import contribution_views, scorecard_views, views

app_name = "reports"

urlpatterns = [
    # Reports (views.py)
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/compile/", views.report_compile, name="compile"),
    path("<int:pk>/document/", views.report_document, name="document"),
    path("<int:pk>/correct/", views.report_correct, name="correct"),
    # Contributions (contribution_views.py)
    path("<int:pk>/request/", contribution_views.request_new, name="request"),
    path(
        "contributions/", contribution_views.my_contributions, name="my-contributions"
    ),
    path(
        "contributions/<int:pk>/",
        contribution_views.contribution_detail,
        name="contribution",
    ),
    path(
        "contributions/<int:pk>/preview/",
        contribution_views.contribution_preview,
        name="contribution-preview",
    ),
    path(
        "contributions/<int:pk>/attachments/",
        contribution_views.contribution_upload,
        name="contribution-upload",
    ),
    # Scorecards (scorecard_views.py)
    path("scorecards/", scorecard_views.scorecards_page, name="scorecards"),
    path("scorecards/xlsx/", scorecard_views.scorecards_xlsx, name="scorecards-xlsx"),
]
