"""Bots that play a world before it is published: policies (random, explorer, spammer) and coverage."""

from moderation.bots.coverage import CoverageTracker, view_signature
from moderation.bots.policies import POLICIES, Bot, make_bot

__all__ = ["POLICIES", "Bot", "CoverageTracker", "make_bot", "view_signature"]
