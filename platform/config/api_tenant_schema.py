"""URL conf a township API's OpenAPI schema is generated from.

Paths are written as clients call them, /t/{code}/api/v1/..., `code` being the township's code.
"""
from django.urls import include, path

urlpatterns = [
    path("t/<slug:code>/api/v1/", include("config.api_tenant")),
]
