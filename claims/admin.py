from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import Claim, ClaimEvent, Evidence, Tag


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceInline(ReadOnlyMixin, admin.TabularInline):
    model = Evidence
    fields = ["source", "stance", "quote", "needs_review", "added_by", "added_at"]
    readonly_fields = fields
    extra = 0


class ClaimEventInline(ReadOnlyMixin, admin.TabularInline):
    """The timeline, read-only: events are written by services and never edited."""

    model = ClaimEvent
    fields = ["seq", "created_at", "kind", "actor", "payload", "hash"]
    readonly_fields = fields
    extra = 0
    ordering = ["-seq"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "statement",
        "status",
        "confidence",
        "created_at",
        "last_activity_at",
    ]
    list_filter = ["status", "confidence", "tags"]
    search_fields = ["statement", "context", "code"]
    readonly_fields = [
        "code",
        "status",
        "rationale",
        "confidence",
        "verdict_at",
        "verdict_by",
        "created_by",
        "created_at",
        "updated_at",
        "last_activity_at",
        "version",
        "merged_into",
        "withdrawn_at",
        "timeline_length",
        "timeline_head",
        "published_at",
    ]
    fields = [
        "statement",
        "context",
        "tags",
        "first_seen_at",
        "resolves_at",
        *readonly_fields,
    ]
    filter_horizontal = ["tags"]
    inlines = [EvidenceInline, ClaimEventInline]

    def has_delete_permission(self, request, obj=None):
        # A claim with a timeline is never deleted: editors withdraw it on its page.
        return False

    def save_model(self, request, obj, form, change):
        # Writes go through the services so the timeline records them.
        data = form.cleaned_data
        tags = [tag.name for tag in data.get("tags", [])]
        fields = {
            "statement": data["statement"],
            "context": data.get("context", ""),
            "first_seen_at": data.get("first_seen_at"),
            "resolves_at": data.get("resolves_at"),
            "actor": request.user,
        }
        if change:
            current = Claim.objects.get(pk=obj.pk)
            services.claim_update(
                claim=current, expected_version=current.version, tags=tags, **fields
            )
        else:
            created = services.claim_create(tags=tags, **fields)
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # The service already set the tags (to the same values); the inlines are read-only.
        form.instance = Claim.objects.get(pk=form.instance.pk)
        super().save_related(request, form, formsets, change)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["claim", "source", "stance", "needs_review", "added_at"]
    list_filter = ["stance", "needs_review"]
    search_fields = ["claim__statement", "source__url", "quote", "note"]
    list_select_related = ["claim", "source"]
    readonly_fields = [
        "claim",
        "source",
        "stance",
        "quote",
        "quote_internal",
        "note",
        "added_by",
        "added_at",
        "needs_review",
    ]
    actions = ["mark_reviewed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Mark selected evidence as reviewed")
    def mark_reviewed(self, request, queryset):
        for evidence in queryset.select_related("claim", "source"):
            try:
                services.evidence_mark_reviewed(evidence=evidence, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "claim", "kind", "actor"]
    list_filter = ["kind"]
    search_fields = ["claim__statement", "claim__code"]
    list_select_related = ["claim", "actor"]
    date_hierarchy = "created_at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
