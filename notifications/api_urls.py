from django.urls import path

from notifications import api

app_name = "notifications"
urlpatterns = [
    path("", api.InboxListView.as_view(), name="list"),
    path("unread-count/", api.UnreadCountView.as_view(), name="unread-count"),
    path("read-all/", api.MarkAllReadView.as_view(), name="read-all"),
    path("<int:pk>/read/", api.MarkReadView.as_view(), name="read"),
    path("preferences/", api.PreferenceView.as_view(), name="preferences"),
]
