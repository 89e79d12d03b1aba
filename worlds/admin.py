"""Admin for worlds and their social records. User text is shown through Django's escaping, never marked safe."""

from django.contrib import admin

from worlds.models import Bookmark, Comment, Like, Moment, SpawnPoint, World


class SpawnPointInline(admin.TabularInline):
    model = SpawnPoint
    fk_name = "world"
    fields = ("backend", "preview", "source_world", "created_from_session", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = True


@admin.register(World)
class WorldAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "creator", "status", "like_count", "remix_count", "depth", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "prompt", "creator__username")
    raw_id_fields = ("creator", "parent", "root")
    readonly_fields = ("like_count", "remix_count", "created_at", "updated_at")
    inlines = [SpawnPointInline]


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ("world", "viewer_key", "user", "created_at")
    raw_id_fields = ("world", "user")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "world", "author", "body", "is_hidden", "created_at")
    list_filter = ("is_hidden",)
    list_editable = ("is_hidden",)
    search_fields = ("body", "author__username")
    raw_id_fields = ("world", "author")


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ("world", "user", "created_at")
    raw_id_fields = ("world", "user")


@admin.register(Moment)
class MomentAdmin(admin.ModelAdmin):
    list_display = ("id", "world", "captured_by", "backend", "tick", "created_at")
    raw_id_fields = ("world", "session", "captured_by")
    exclude = ("state", "preview")
