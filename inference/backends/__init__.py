"""World-model backends: the interface the serving layer steps, and its implementations."""

from inference.backends.base import SessionState, WorldModelBackend, WorldSetup

__all__ = ["SessionState", "WorldModelBackend", "WorldSetup"]
