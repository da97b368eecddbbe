from django.urls import path

from . import views

app_name = "discovery"
# Mounted under /claims/ (claimwatch/urls.py), beside the claim page that shows them.
urlpatterns = [
    path(
        "<uuid:code>/suggestions/<uuid:suggestion_code>/link/",
        views.suggestion_link,
        name="suggestion_link",
    ),
    path(
        "<uuid:code>/suggestions/<uuid:suggestion_code>/dismiss/",
        views.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
]
