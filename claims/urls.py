from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("<uuid:code>/", views.claim_detail, name="detail"),
]
