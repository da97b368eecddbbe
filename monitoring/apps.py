from django.apps import AppConfig

from claims import signals


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self):
        # Imported once the app registry is ready, as Django asks of code that uses models.
        from . import services

        signals.evidence_linked.connect(services.evidence_linked, dispatch_uid="check-soon")
