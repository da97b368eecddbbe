"""The admin of sources, their snapshots and check attempts: read-only monitoring state,
and "Check now" through the same service as Refresh now."""

from django.contrib import admin, messages

from sources.models import CheckAttempt, Snapshot, Source

from .services import CheckNotQueued, source_request_check


class SnapshotInline(admin.TabularInline):
    model = Snapshot
    fields = ["created_at", "title", "content_hash", "change_kind", "http_status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "outlet",
        "state",
        "http_status",
        "last_checked_at",
        "next_check_at",
    ]
    list_filter = ["state", "outlet__kind", "outlet__reliability"]
    search_fields = ["url", "title", "outlet__name", "outlet__domain"]
    list_select_related = ["outlet"]
    raw_id_fields = ["outlet", "added_by"]
    readonly_fields = [
        "code",
        "created_at",
        "state",
        "last_checked_at",
        "last_changed_at",
        "http_status",
        "etag",
        "last_modified",
        "content_hash",
        "consecutive_failures",
        "moved_to",
        "body_hash",
        "check_requested_at",
    ]
    inlines = [SnapshotInline]
    actions = ["check_now"]

    @admin.action(description="Check the selected sources now", permissions=["change"])
    def check_now(self, request, queryset):
        sources = list(queryset[:1000])
        try:
            for source in sources:
                source_request_check(source=source, actor=request.user)
        except CheckNotQueued as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"{len(sources)} checks queued.", messages.SUCCESS)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["source", "created_at", "title", "change_kind"]
    list_filter = ["change_kind"]
    search_fields = ["source__url", "title", "text"]
    list_select_related = ["source"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckAttempt)
class CheckAttemptAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "started_at",
        "outcome",
        "http_status",
        "duration_ms",
        "error",
    ]
    list_filter = ["outcome", "http_status"]
    search_fields = ["source__url", "error"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
