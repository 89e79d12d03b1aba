from django.contrib import admin

from worlds.models import Like, World


@admin.register(World)
class WorldAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "creator", "status", "like_count", "remix_count", "depth", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "prompt", "creator__username")
    raw_id_fields = ("creator", "parent", "root")
    readonly_fields = ("like_count", "remix_count", "created_at", "updated_at")


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ("world", "viewer_key", "user", "created_at")
    raw_id_fields = ("world", "user")
