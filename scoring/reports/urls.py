"""Report pages of a township, under /t/<code>/reports/."""
from django.urls import path

from scoring.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.report_new, name="new"),
    path("items/", views.mapping, name="mapping"),
    path("archive/", views.archive, name="archive"),
    path("archive.xlsx", views.archive_export, name="archive-export"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/accept/", views.report_accept, name="accept"),
    path("<int:pk>/return/", views.report_return, name="return"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo_file, name="photo"),
]
