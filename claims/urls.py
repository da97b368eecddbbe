from django.urls import path

from api.tokens import api_token

from . import alert_views, bundle_views, desk_views, export_views, import_views, views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_create, name="new"),
    path("review/", views.review_queue, name="review"),
    path("export.csv", export_views.export_csv, name="export_csv"),
    path("export.json", export_views.export_json, name="export_json"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<str:token>/", import_views.import_review, name="import_review"),
    path("import/<str:token>/jobs/<uuid:job_id>/", import_views.import_job, name="import_job"),
    path(
        "import/<str:token>/jobs/<uuid:job_id>/cancel/",
        import_views.import_job_cancel,
        name="import_job_cancel",
    ),
    path("token/", api_token, name="api_token"),
    path("alerts/", alert_views.channel_list, name="alerts"),
    path("alerts/<uuid:code>/test/", alert_views.channel_test, name="alert_test"),
    path("alerts/<uuid:code>/remove/", alert_views.channel_remove, name="alert_remove"),
    path("feeds/verdicts/", export_views.verdict_feed, name="feed_verdicts"),
    path("feeds/sources/", export_views.source_feed, name="feed_sources"),
    path("<uuid:code>/", views.claim_detail, name="detail"),
    path("<uuid:code>/claimreview.json", export_views.claim_review, name="claimreview"),
    path("<uuid:code>/watch/", views.watch, name="watch"),
    path("<uuid:code>/feeds/verdicts/", export_views.verdict_feed, name="claim_feed_verdicts"),
    path("<uuid:code>/feeds/sources/", export_views.source_feed, name="claim_feed_sources"),
    path("<uuid:code>/edit/", views.claim_edit, name="edit"),
    path("<uuid:code>/verdict/", views.verdict_set, name="verdict"),
    path("<uuid:code>/merge/", views.claim_merge, name="merge"),
    path("<uuid:code>/withdraw/", views.claim_withdraw, name="withdraw"),
    path("<uuid:code>/evidence.wacz", bundle_views.evidence_bundle, name="evidence_bundle"),
    path("<uuid:code>/assign/", desk_views.assign, name="assign"),
    path("<uuid:code>/unassign/", desk_views.unassign, name="unassign"),
    path("<uuid:code>/publish/", desk_views.publish, name="publish"),
    path("<uuid:code>/unpublish/", desk_views.unpublish, name="unpublish"),
    path("<uuid:code>/comments/", views.comment_add, name="comment"),
    path("<uuid:code>/evidence/", views.evidence_add, name="evidence_add"),
    path(
        "<uuid:code>/evidence/<uuid:source_code>/",
        views.evidence_update,
        name="evidence_update",
    ),
    path(
        "<uuid:code>/evidence/<uuid:source_code>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "<uuid:code>/evidence/<uuid:source_code>/origin/split/",
        views.origin_split,
        name="origin_split",
    ),
    path(
        "<uuid:code>/evidence/<uuid:source_code>/origin/join/",
        views.origin_join,
        name="origin_join",
    ),
    path(
        "<uuid:code>/evidence/<uuid:source_code>/reviewed/",
        views.evidence_review,
        name="evidence_review",
    ),
]
