from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_create, name="new"),
    path("review/", views.review_queue, name="review"),
    path("<uuid:code>/", views.claim_detail, name="detail"),
    path("<uuid:code>/edit/", views.claim_edit, name="edit"),
    path("<uuid:code>/verdict/", views.verdict_set, name="verdict"),
    path("<uuid:code>/merge/", views.claim_merge, name="merge"),
    path("<uuid:code>/withdraw/", views.claim_withdraw, name="withdraw"),
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
