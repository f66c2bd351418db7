"""Pages of the ledger chain, under /t/<code>/scoring/chain/ (names in the scoring_ledger namespace)."""
from django.urls import path

from scoring.ledger import chain_views

urlpatterns = [
    path("", chain_views.chain_verify_page, name="chain_verify"),
    path("entries/<int:pk>/reverse/", chain_views.ledger_entry_reverse_page, name="chain_reverse"),
]
