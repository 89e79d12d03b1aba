from django.apps import AppConfig


class RecommendConfig(AppConfig):
    name = "recommend"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recommend import receivers  # noqa: F401  (connects the publish -> embed receiver)
