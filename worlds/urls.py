from django.urls import path

from worlds.views import create, pages, social

app_name = "worlds"
urlpatterns = [
    path("create/", create.world_create, name="create"),
    path("w/<int:world_id>/", pages.world_detail, name="detail"),
    path("w/<int:world_id>/preview.jpg", pages.world_preview, name="preview"),
    path("w/<int:world_id>/scene.jpg", pages.world_reference_image, name="reference-image"),
    path("w/<int:world_id>/remix/", create.world_remix, name="remix"),
    path("w/<int:world_id>/edit/", create.world_edit, name="edit"),
    path("w/<int:world_id>/submit/", create.world_submit, name="submit"),
    path("w/<int:world_id>/comments/", social.comment_create, name="comment"),
    path("w/<int:world_id>/report/", social.report_create, name="report"),
    path("m/<uuid:moment_id>.jpg", pages.moment_preview, name="moment-preview"),
    path("u/<str:username>/", pages.creator_page, name="creator"),
    path("api/worlds/<int:world_id>/bookmark/", social.bookmark_api, name="api-bookmark"),
    path("api/worlds/<int:world_id>/follow/", social.follow_creator_api, name="api-follow-creator"),
    path("api/worlds/<int:world_id>/share/", social.share_api, name="api-share"),
    path("api/worlds/<int:world_id>/not-interested/", social.not_interested_api, name="api-not-interested"),
]
