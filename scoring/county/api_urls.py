"""API routes of scoring.county (included by config.api_public at /api/v1/scoring/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.county.api import CountyPolicyView, TemplateCatalogueViewSet, TemplateItemView

router = SimpleRouter()
router.register("templates", TemplateCatalogueViewSet, basename="scoring-template")

urlpatterns = [
    path("policy/", CountyPolicyView.as_view(), name="scoring-policy"),
    path("templates/<int:pk>/items/<int:item_pk>/", TemplateItemView.as_view(), name="scoring-template-item"),
    *router.urls,
]
