from django.urls import path

from feed.consumers import PlayConsumer

websocket_urlpatterns = [path("ws/play/<int:world_id>/", PlayConsumer.as_asgi())]
