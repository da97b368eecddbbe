"""The two roles as Django groups, with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYST_PERMS = [
    "claims.view_claim",
    "claims.add_claim",
    "claims.change_claim",
    "claims.comment_claim",
    "claims.view_evidence",
    "claims.add_evidence",
    "claims.change_evidence",
    "claims.view_claimevent",
    "claims.add_watch",
    "claims.delete_watch",
    "sources.view_source",
    "sources.add_source",
    "sources.change_source",
    "sources.view_outlet",
    "sources.add_outlet",
    "sources.view_snapshot",
    "sources.view_checkattempt",
]
EDITOR_PERMS = ANALYST_PERMS + [
    "claims.set_verdict",
    "claims.merge_claim",
    "claims.delete_evidence",
    "sources.change_outlet",
]
GROUPS = {"Analysts": ANALYST_PERMS, "Editors": EDITOR_PERMS}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
