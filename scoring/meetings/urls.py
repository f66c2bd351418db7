from django.urls import path

from scoring.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.meeting_new, name="new"),
    path("overdue/", views.overdue_view, name="overdue"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/<int:pk>/delete/", views.settings_delete_view, name="settings_delete"),
    path("archive/", views.archive_view, name="archive"),
    path("archive/print/", views.archive_print, name="archive_print"),
    path("remote/<int:pk>/decide/", views.remote_decide_view, name="remote_decide"),
    path("remote/<int:pk>/photo/", views.remote_photo, name="remote_photo"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/file/", views.meeting_file_view, name="file"),
    path("<int:pk>/delete/", views.meeting_delete_view, name="delete"),
    path("<int:pk>/correct/", views.meeting_correct_view, name="correct"),
    path("<int:pk>/remote/", views.remote_confirm_view, name="remote_confirm"),
    path("<int:pk>/files/<int:file_pk>/", views.meeting_file_get, name="file_get"),
]
