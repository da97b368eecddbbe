from django.apps import AppConfig

from claims import hooks


class DiscoveryConfig(AppConfig):
    name = "discovery"
    verbose_name = "Discovery: outlets' feeds, claim matching, stance suggestions"

    def ready(self):
        # Imported once the app registry is ready, as Django asks of code that uses models.
        from . import selectors, views

        hooks.register_part(
            hooks.Part("after_verdict", views.PART, views.suggestions_context, order=1)
        )
        hooks.register_queue_part(
            hooks.QueuePart("discovery/queue_parts.html#suggested", views.queue_context)
        )
        hooks.register_arrivals(selectors.claim_arrivals)
