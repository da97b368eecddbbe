from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("feed/", public_views.feed, name="feed"),
    path("<uuid:code>/", public_views.claim_page, name="claim"),
    path("<uuid:code>/embed/", public_views.claim_embed, name="embed"),
    path("<uuid:code>/captures/<str:sha256>/", public_views.claim_capture, name="capture"),
    path(
        "<uuid:code>/captures/<str:sha256>/raw/",
        public_views.claim_capture_raw,
        name="capture_raw",
    ),
]
