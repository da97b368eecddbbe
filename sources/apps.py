from django.apps import AppConfig

from claimwatch import append_only


class SourcesConfig(AppConfig):
    name = "sources"

    def ready(self):
        # Re-installed after every migrate with the other append-only tables (claims.apps).
        append_only.register("sources_capture", allow="pruned_at")
