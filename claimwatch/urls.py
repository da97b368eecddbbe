from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from api.tokens import api_token

from . import help_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:list"), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The claim pages, and under the same prefix the apps that work on claims: imports,
    # the desk, discovery, publishing (each its own namespace; the paths are what users know).
    path("claims/import/", include("intake.urls")),
    path("claims/token/", api_token, name="api_token"),
    path("claims/", include("desk.urls")),
    path("claims/", include("discovery.urls")),
    path("claims/", include("publishing.urls")),
    path("claims/", include("claims.urls")),
    # Published claims, open to everyone (publishing.public_views).
    path("p/", include("publishing.public_urls")),
    path("api/", include("api.urls")),
    path("help/<slug:name>/", help_views.guide, name="help"),
    path("", include("monitoring.urls")),
]

handler403 = "claimwatch.error_pages.permission_denied"
handler404 = "claimwatch.error_pages.page_not_found"
# The database going away anywhere in a request is a 503 with Retry-After, not a bare 500.
handler500 = "claimwatch.unavailable.server_error"
