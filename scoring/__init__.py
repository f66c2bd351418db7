"""Scoring: county templates (scoring.county, public schema), and per township the catalogue
(scoring.catalogue), the entries, reviews and hash-chained ledger (scoring.ledger), and the
year's periods: monthly close, quarterly publication, appraisal, annual rating (scoring.periods)."""
