from django.urls import path

from . import views

app_name = "sources"
urlpatterns = [
    path("sources/", views.source_list, name="list"),
    path("sources/<uuid:code>/", views.source_detail, name="detail"),
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/<uuid:code>/", views.outlet_detail, name="outlet_detail"),
]
