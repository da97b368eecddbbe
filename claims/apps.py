from django.apps import AppConfig
from django.db.models.signals import post_migrate

from claimwatch import append_only


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self):
        append_only.register("claims_claimevent")
        post_migrate.connect(append_only.ensure_all, sender=self, dispatch_uid="append_only")
