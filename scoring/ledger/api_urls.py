"""API routes of scoring.ledger (included by config.api_tenant)."""
urlpatterns = []
