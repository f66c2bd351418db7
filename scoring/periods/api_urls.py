"""API routes of scoring.periods (included by config.api_tenant)."""
from django.urls import path

from scoring.periods import api

urlpatterns = [
    path("months/", api.MonthCloseListView.as_view(), name="periods-months"),
    path("months/<int:year>/<int:month>/", api.MonthSummaryView.as_view(), name="periods-month"),
    path("months/<int:year>/<int:month>/export/", api.MonthExportView.as_view(), name="periods-month-export"),
    path("ranking/", api.RankingView.as_view(), name="periods-ranking"),
    path("ranking/export/", api.RankingExportView.as_view(), name="periods-ranking-export"),
    path("publications/", api.PublicationListView.as_view(), name="periods-publications"),
    path("publications/<int:pk>/", api.PublicationDetailView.as_view(), name="periods-publication"),
    path("publications/<int:pk>/export/", api.PublicationExportView.as_view(), name="periods-publication-export"),
    path("publications/<int:pk>/objections/", api.ObjectionRaiseView.as_view(), name="periods-objection-raise"),
    path("objections/", api.ObjectionListView.as_view(), name="periods-objections"),
    path("objections/<int:pk>/answer/", api.ObjectionAnswerView.as_view(), name="periods-objection-answer"),
    path("appraisals/", api.AppraisalListView.as_view(), name="periods-appraisals"),
    path("appraisals/<int:pk>/correct/", api.AppraisalCorrectView.as_view(), name="periods-appraisal-correct"),
    path("ratings/", api.RatingListView.as_view(), name="periods-ratings"),
    path("ratings/export/", api.RatingExportView.as_view(), name="periods-ratings-export"),
    path("ratings/run/", api.RatingRunView.as_view(), name="periods-ratings-run"),
    path("ratings/<int:year>/status/", api.RatingStatusView.as_view(), name="periods-rating-status"),
    path("ratings/<int:year>/finalise/", api.RatingFinaliseView.as_view(), name="periods-rating-finalise"),
    path("ratings/<int:year>/amendments/", api.RatingAmendView.as_view(), name="periods-rating-amend"),
    path("ratings/outcomes/", api.RatingOutcomeListView.as_view(), name="periods-rating-outcomes"),
    path("ratings/outcomes/<int:pk>/", api.RatingOutcomeDecideView.as_view(), name="periods-rating-outcome"),
]
