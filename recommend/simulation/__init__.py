"""Offline evaluation: a simulated population played through the live ranking code (eval_recommender)."""
