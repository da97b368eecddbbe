from django.contrib import admin

from claims.admin import ReadOnlyMixin

from .models import AlertChannel, AlertDelivery, Watch


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "claim", "created_at", "notified_until"]
    search_fields = ["user__username", "claim__statement"]
    raw_id_fields = ["user", "claim"]


@admin.register(AlertChannel)
class AlertChannelAdmin(admin.ModelAdmin):
    """Seen and removed here; added on /claims/alerts/, where the URL is checked."""

    list_display = ["label", "service", "user", "desk", "last_sent_at", "failures"]
    search_fields = ["label", "user__username", "desk__name"]
    exclude = ["url"]  # holds the channel's secret
    readonly_fields = [
        "label",
        "service",
        "url_redacted",
        "user",
        "desk",
        "created_by",
        "created_at",
        "last_sent_at",
        "last_error",
        "failures",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "channel", "created_at", "attempts", "sent_at", "failed_at"]
    search_fields = ["title", "channel__label"]
    list_filter = ["sent_at", "failed_at"]
