from django.urls import path

from worlds import views

app_name = "worlds"
urlpatterns = [
    path("w/<int:world_id>/", views.world_detail, name="detail"),
    path("w/<int:world_id>/preview.jpg", views.world_preview, name="preview"),
]
