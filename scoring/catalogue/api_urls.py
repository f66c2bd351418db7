"""API routes of scoring.catalogue (included by config.api_tenant)."""
urlpatterns = []
