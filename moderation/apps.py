"""Moderation: creation guidelines, bot playthroughs, scanners and review in Django admin (issue 5)."""

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Live sessions hand every frame they send to FRAME_OBSERVERS (inference.sessions), when that hook
        # exists; inference never imports moderation, moderation subscribes itself here.
        from inference import sessions
        from moderation.live import sample_frame

        observers = getattr(sessions, "FRAME_OBSERVERS", None)
        if observers is not None and sample_frame not in observers:
            observers.append(sample_frame)
