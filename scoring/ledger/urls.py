"""Entry pages of a township, under /t/<code>/scoring/."""
from django.urls import include, path

from scoring.ledger import views

app_name = "scoring_ledger"
urlpatterns = [
    path("chain/", include("scoring.ledger.chain_urls")),
    path("entries/", views.entry_list_view, name="entry_list"),
    path("entries/new/", views.entry_create, name="entry_create"),
    path("entries/new/members/", views.member_options, name="member_options"),
    path("entries/new/items/", views.rule_options, name="rule_options"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/review/", views.entry_review, name="entry_review"),
    path("entries/<int:pk>/resubmit/", views.entry_resubmit, name="entry_resubmit"),
    path("reviews/approve/", views.review_batch, name="review_batch"),
    path("entries/<int:pk>/late/", views.entry_late_decide, name="entry_late_decide"),
    path("entries/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_file, name="evidence_file"),
    path("reviews/", views.review_queue_view, name="review_queue"),
    path("late/", views.late_queue_view, name="late_queue"),
    path("card/", views.my_card, name="my_card"),
    path("members/<int:pk>/card/", views.member_card, name="member_card"),
]
