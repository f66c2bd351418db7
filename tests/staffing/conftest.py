"""Staffing fixtures: the scoring setup (ledger entries are the appraisal's signals)."""
from tests.scoring.conftest import scoring_setup  # noqa: F401
