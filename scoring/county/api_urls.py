"""API routes of scoring.county (included by config.api_public)."""
urlpatterns = []
