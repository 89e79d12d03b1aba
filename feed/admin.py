from django.contrib import admin

from feed.models import EngagementEvent, PlaySession


@admin.register(PlaySession)
class PlaySessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "world",
        "viewer_key",
        "started_at",
        "duration_ms",
        "action_count",
        "frames_sent",
        "end_reason",
        "backend",
    )
    list_filter = ("end_reason", "backend")
    raw_id_fields = ("world", "user")


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "world", "viewer_key", "ms", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("world", "user")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the log is append-only
