"""URL conf the county API's OpenAPI schema is generated from (paths as clients call them)."""
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("config.api_public")),
]
