"""The admin of outlets; sources, snapshots and check attempts are in monitoring/admin.py."""

from django.contrib import admin

from .models import Outlet


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "kind", "country", "reliability"]
    list_filter = ["kind", "reliability", "country"]
    search_fields = ["name", "domain", "country"]
    readonly_fields = ["code", "created_at"]
