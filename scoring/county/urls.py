from django.urls import path
from django.views.generic import RedirectView

from scoring.county import views

app_name = "scoring_county"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="scoring_county:template_list"), name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("policy/", views.policy_view, name="policy"),
    path("meeting-frequencies/", views.meeting_frequencies_view, name="meeting_frequencies"),
    path("templates/", views.template_list_view, name="template_list"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("templates/<int:pk>/items/<int:item_pk>/edit/", views.item_update, name="item_update"),
    path("templates/<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/publish/", views.template_publish, name="template_publish"),
    path("templates/<int:pk>/localisations/", views.template_localisations, name="template_localisations"),
]
