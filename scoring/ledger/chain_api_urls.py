"""API of the ledger chain, under /t/<code>/api/v1/scoring/chain/ (names in the api namespace)."""
from django.urls import path

from scoring.ledger import chain_views

urlpatterns = [
    path("verify/", chain_views.ChainVerifyAPIView.as_view(), name="scoring-chain-verify"),
    path("ledger-entries/<int:pk>/reverse/", chain_views.LedgerEntryReverseAPIView.as_view(),
         name="scoring-chain-reverse"),
]
