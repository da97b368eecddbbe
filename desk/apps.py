from django.apps import AppConfig

from claims import hooks, signals


class DeskConfig(AppConfig):
    """Who works on what: assignments and "My claims", watches, mail digests, alert
    channels and their outbox."""

    name = "desk"

    def ready(self):
        # Imported once the app registry is ready, as Django asks of code that uses models.
        from . import selectors, tasks, views

        hooks.register_part(
            hooks.Part("actions", "desk/claim_parts.html#watch", views.watch_context)
        )
        hooks.register_part(
            hooks.Part("header", "desk/claim_parts.html#desk", views.assignees_context)
        )
        hooks.register_scope(
            hooks.Scope(
                "mine",
                "My claims",
                selectors.assigned_claim_ids,
                time_label="due",
                time=selectors.assignment_due,
            )
        )
        signals.suggestions_made.connect(tasks.suggestions_made, dispatch_uid="desk-suggestions")
