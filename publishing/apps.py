from django.apps import AppConfig

from claims import hooks, signals


class PublishingConfig(AppConfig):
    """Claims out: public pages, index, embed and their cache, ClaimReview, Atom feeds,
    CSV/JSON exports, the evidence bundle and `verify_bundle`."""

    name = "publishing"

    def ready(self):
        # Imported once the app registry is ready, as Django asks of code that uses models.
        from . import cache, views

        signals.timeline_written.connect(cache.timeline_written, dispatch_uid="public-cache")
        parts = "publishing/claim_parts.html"
        hooks.register_part(hooks.Part("head", f"{parts}#claimreview", views.claimreview_context))
        hooks.register_part(hooks.Part("actions", f"{parts}#exports", order=1))
        hooks.register_part(hooks.Part("after_verdict", f"{parts}#publishing"))
