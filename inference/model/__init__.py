"""The neural world model: next-frame dynamics + first-frame generator (plain torch, no Django)."""

from inference.model.config import ModelConfig
from inference.model.worldmodel import TickState, WorldModel, load_worldmodel, save_worldmodel

__all__ = ["ModelConfig", "TickState", "WorldModel", "load_worldmodel", "save_worldmodel"]
