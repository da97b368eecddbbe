from django.urls import path

from . import capture_views, views

app_name = "sources"
urlpatterns = [
    path("sources/", views.source_list, name="list"),
    path("sources/<uuid:code>/", views.source_detail, name="detail"),
    path("sources/<uuid:code>/state/", views.source_state, name="state"),
    path("sources/<uuid:code>/refresh/", views.source_refresh, name="refresh"),
    path("sources/<uuid:code>/render/", views.source_render, name="render"),
    path(
        "sources/<uuid:code>/captures/<str:sha256>/",
        capture_views.capture_page,
        name="capture",
    ),
    path(
        "sources/<uuid:code>/captures/<str:sha256>/raw/",
        capture_views.capture_view,
        name="capture_raw",
    ),
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/<uuid:code>/", views.outlet_detail, name="outlet_detail"),
    path("outlets/<uuid:code>/feeds/", views.outlet_feed_add, name="outlet_feed_add"),
]
