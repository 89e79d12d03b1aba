from django.apps import AppConfig


class InferenceConfig(AppConfig):
    """Registers the Django-aware layer of inference/: session tasks and management commands."""

    name = "inference"
    verbose_name = "World model inference"
