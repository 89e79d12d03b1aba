"""Evaluation of the world model on held-out prompts and seeds (`python -m inference.evaluation --json PATH`)."""
