"""API routes of scoring.periods (included by config.api_tenant)."""
urlpatterns = []
