from django.urls import path

from feed import views

app_name = "feed"
urlpatterns = [
    path("", views.feed_page, name="home"),
    path("api/feed/", views.feed_api, name="api-feed"),
    path("api/events/", views.events_api, name="api-events"),
    path("api/worlds/<int:world_id>/like/", views.like_api, name="api-like"),
]
