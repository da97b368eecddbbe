from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import help_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:list"), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("claims/", include("claims.urls")),
    # Published claims, open to everyone (claims.public_views).
    path("p/", include("claims.public_urls")),
    path("api/", include("api.urls")),
    path("help/<slug:name>/", help_views.guide, name="help"),
    path("", include("monitoring.urls")),
]

handler403 = "claimwatch.error_pages.permission_denied"
handler404 = "claimwatch.error_pages.page_not_found"
# The database going away anywhere in a request is a 503 with Retry-After, not a bare 500.
handler500 = "claimwatch.unavailable.server_error"
