"""Moderation: creation guidelines, bot playthroughs, scanners and review in Django admin (issue 5)."""
