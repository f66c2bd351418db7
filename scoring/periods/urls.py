from django.urls import path

from scoring.periods import views

app_name = "scoring_periods"
urlpatterns = [
    path("", views.periods_home, name="home"),
    path("months/close/", views.month_close_view, name="month_close"),
    path("months/<int:year>/<int:month>/", views.month_detail, name="month_detail"),
    path("ranking/", views.ranking_view, name="ranking"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("publications/", views.publication_list_view, name="publication_list"),
    path("publications/open/", views.publication_open_view, name="publication_open"),
    path("publications/<int:pk>/", views.publication_detail, name="publication_detail"),
    path("publications/<int:pk>/print/", views.publication_print, name="publication_print"),
    path("publications/<int:pk>/pdf/", views.publication_pdf, name="publication_pdf"),
    path("objections/<int:pk>/answer/", views.objection_answer_view, name="objection_answer"),
    path("appraisals/<int:year>/<int:half>/branches/<int:branch_id>/", views.appraisal_branch,
         name="appraisal_branch"),
    path("appraisals/<int:pk>/correct/", views.appraisal_correct_view, name="appraisal_correct"),
    path("ratings/run/", views.rating_run_view, name="rating_run"),
    path("ratings/<int:year>/", views.rating_list, name="rating_list"),
    path("ratings/<int:year>/finalise/", views.rating_finalise_view, name="rating_finalise"),
    path("ratings/<int:year>/amend/", views.rating_amend_view, name="rating_amend"),
    path("ratings/outcomes/<int:pk>/", views.rating_outcome_decide_view, name="rating_outcome"),
]
