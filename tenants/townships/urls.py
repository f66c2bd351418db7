from django.urls import path

from tenants.townships import views

app_name = "townships"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.township_create_view, name="create"),
    path("<int:pk>/", views.township_detail, name="detail"),
    path("<int:pk>/row/", views.township_row, name="row"),
    path("<int:pk>/retry/", views.township_retry, name="retry"),
    path("<int:pk>/archive/", views.township_archive_view, name="archive"),
    path("<int:pk>/restore/", views.township_restore_view, name="restore"),
]
