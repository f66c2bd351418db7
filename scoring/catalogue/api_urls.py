"""API routes of scoring.catalogue (included by config.api_tenant at scoring/catalogue/)."""
from django.urls import path

from scoring.catalogue import api

urlpatterns = [
    path("years/", api.ScoringYearListView.as_view(), name="scoring-year-list"),
    path("years/<int:year>/", api.ScoringYearDetailView.as_view(), name="scoring-year-detail"),
    path("years/<int:year>/rules/<str:item_code>/localise/", api.RuleLocaliseView.as_view(), name="scoring-rule-localise"),
    path("years/<int:year>/base-scores/", api.BaseScoresView.as_view(), name="scoring-base-scores"),
    path("rules-in-force/", api.RulesInForceView.as_view(), name="scoring-rules-in-force"),
]
