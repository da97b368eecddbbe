"""The Analysts and Editors groups, put back after a transactional test emptied the tables.

They come from data migration claims/0002_groups; flushing the database after a
transactional test deletes them (permissions come back by themselves).
"""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Group

_migration = import_module("claims.migrations.0002_groups")
_withdraw = import_module("claims.migrations.0009_timeline_append_only")


def ensure_roles() -> None:
    if Group.objects.filter(name__in=_migration.GROUPS).count() < len(_migration.GROUPS):
        _migration.create_groups(apps, None)
        _withdraw.grant_withdraw(apps, None)
