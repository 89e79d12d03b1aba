"""Recommendation from play signals: aggregates, candidates, ranking, exploration (issue 6)."""
