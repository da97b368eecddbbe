from django.urls import path

from . import views

app_name = "intake"
# Mounted at /claims/import/ (claimwatch/urls.py).
urlpatterns = [
    path("", views.import_upload, name="import"),
    path("<str:token>/", views.import_review, name="import_review"),
    path("<str:token>/jobs/<uuid:job_id>/", views.import_job, name="import_job"),
    path(
        "<str:token>/jobs/<uuid:job_id>/cancel/",
        views.import_job_cancel,
        name="import_job_cancel",
    ),
]
