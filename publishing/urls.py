from django.urls import path

from . import views

app_name = "publishing"
# Mounted under /claims/ (claimwatch/urls.py), beside the claim pages they export.
urlpatterns = [
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path("feeds/verdicts/", views.verdict_feed, name="feed_verdicts"),
    path("feeds/sources/", views.source_feed, name="feed_sources"),
    path("<uuid:code>/claimreview.json", views.claim_review, name="claimreview"),
    path("<uuid:code>/feeds/verdicts/", views.verdict_feed, name="claim_feed_verdicts"),
    path("<uuid:code>/feeds/sources/", views.source_feed, name="claim_feed_sources"),
    path("<uuid:code>/evidence.wacz", views.evidence_bundle, name="evidence_bundle"),
    path("<uuid:code>/publish/", views.publish, name="publish"),
    path("<uuid:code>/unpublish/", views.unpublish, name="unpublish"),
]
