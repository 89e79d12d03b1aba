"""The world model: procedural corpus, neural model, training, evaluation and serving.

The core (actions, corpus, model, training, eval, backends) is plain Python + torch and imports
without Django. Only `inference.sessions`, `inference.tasks` and management commands know Django.
"""
