from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"
urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("claims/", views.ClaimListView.as_view(), name="claim_list"),
    path("claims/<uuid:code>/", views.ClaimDetailView.as_view(), name="claim_detail"),
    path("claims/<uuid:code>/verdict/", views.VerdictView.as_view(), name="verdict"),
    path("claims/<uuid:code>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("claims/<uuid:code>/comments/", views.CommentView.as_view(), name="comments"),
    path("claims/<uuid:code>/evidence/", views.EvidenceListView.as_view(), name="evidence_list"),
    path(
        "claims/<uuid:code>/evidence/<uuid:source_code>/",
        views.EvidenceDetailView.as_view(),
        name="evidence_detail",
    ),
    path(
        "claims/<uuid:code>/evidence/<uuid:source_code>/reviewed/",
        views.EvidenceReviewedView.as_view(),
        name="evidence_reviewed",
    ),
    path(
        "claims/<uuid:code>/evidence/<uuid:source_code>/origin/split/",
        views.OriginSplitView.as_view(),
        name="origin_split",
    ),
    path(
        "claims/<uuid:code>/evidence/<uuid:source_code>/origin/join/",
        views.OriginJoinView.as_view(),
        name="origin_join",
    ),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/<uuid:code>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("sources/<uuid:code>/refresh/", views.SourceRefreshView.as_view(), name="source_refresh"),
    path("outlets/", views.OutletListView.as_view(), name="outlet_list"),
    path("outlets/<uuid:code>/", views.OutletDetailView.as_view(), name="outlet_detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script from a URL, not inline, so the CSP holds.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Last: every other path under /api/ is a JSON 404. Paths without their final slash
    # still get CommonMiddleware's redirect to it (APPEND_SLASH) first.
    re_path(r"^(?:[\s\S]*/)?$", views.UnknownPathView.as_view(), name="unknown"),
]
