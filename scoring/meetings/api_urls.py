"""API routes of scoring.meetings (included by config.api_tenant under meetings/)."""
from django.urls import path

from scoring.meetings import api

urlpatterns = [
    path("", api.MeetingListView.as_view(), name="meetings"),
    path("board/", api.BoardView.as_view(), name="meetings-board"),
    path("overdue/", api.OverdueView.as_view(), name="meetings-overdue"),
    path("remote/", api.RemoteListView.as_view(), name="meetings-remote"),
    path("remote/<int:pk>/decide/", api.RemoteDecideView.as_view(), name="meetings-remote-decide"),
    path("<int:pk>/", api.MeetingDetailView.as_view(), name="meeting"),
    path("<int:pk>/versions/<int:number>/", api.MeetingVersionView.as_view(), name="meeting-version"),
    path("<int:pk>/file/", api.MeetingFileView.as_view(), name="meeting-file"),
    path("<int:pk>/correct/", api.MeetingCorrectView.as_view(), name="meeting-correct"),
    path("<int:pk>/remote/", api.RemoteConfirmView.as_view(), name="meeting-remote"),
]
