"""Scoring: catalogue, ledger, reviews, periods, publication, oversight, rewards (see issues)."""
