from django.contrib import admin

from .models import Article, Suggestion


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_at", "first_seen_at"]
    list_select_related = ["outlet"]
    search_fields = ["title", "url"]
    readonly_fields = ["url", "feed", "first_seen_at"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """Read only: suggestions are made by matching and decided through the services."""

    list_display = ["article", "claim", "score", "stance", "state", "created_at"]
    list_filter = ["state", "stance"]
    list_select_related = ["article", "claim"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
