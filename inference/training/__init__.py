"""Training of the world model (plain torch; `python -m inference.training --help`)."""
