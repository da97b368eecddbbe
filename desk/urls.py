from django.urls import path

from . import views

app_name = "desk"
# Mounted under /claims/ (claimwatch/urls.py): the desk's pages sit beside the claims'.
urlpatterns = [
    path("alerts/", views.channel_list, name="alerts"),
    path("alerts/<uuid:code>/test/", views.channel_test, name="alert_test"),
    path("alerts/<uuid:code>/remove/", views.channel_remove, name="alert_remove"),
    path("alerts/<uuid:code>/suggestions/", views.channel_suggestions, name="alert_suggestions"),
    path("<uuid:code>/watch/", views.watch, name="watch"),
    path("<uuid:code>/assign/", views.assign, name="assign"),
    path("<uuid:code>/unassign/", views.unassign, name="unassign"),
]
