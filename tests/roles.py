"""The Analysts and Editors groups, put back after a transactional test emptied the tables.

The migrations make them (claims/0002_groups, 0009); flushing the database after a
transactional test deletes them (permissions come back by themselves). They are made again
from claimwatch.perms.ROLES, the roles as they are today.
"""

from django.contrib.auth.models import Group, Permission

from claimwatch.perms import ROLES


def ensure_roles() -> None:
    if Group.objects.filter(name__in=ROLES).count() == len(ROLES):
        return
    for name, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in names:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
