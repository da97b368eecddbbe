"""The timeline is append-only in the database; editors may withdraw claims.

1. Every event now has its place in its claim's chain (0008 filled `seq`).
2. Triggers refuse UPDATE and DELETE on events (claimwatch.append_only).
3. Editors get `claims.delete_claim`, which now means withdrawing: a claim with a
   timeline is never deleted.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

from claimwatch import append_only

TABLE = "claims_claimevent"
EDITOR_PERMS = ["delete_claim"]


def install_triggers(apps, schema_editor):
    append_only.install(schema_editor, TABLE)


def uninstall_triggers(apps, schema_editor):
    append_only.uninstall(schema_editor, TABLE)


def grant_withdraw(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="claims", codename__in=EDITOR_PERMS)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_timeline_chain"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="claimevent",
            name="seq",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="claimevent",
            constraint=models.UniqueConstraint(
                fields=("claim", "seq"), name="claimevent_one_per_seq"
            ),
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
        migrations.RunPython(grant_withdraw, migrations.RunPython.noop),
    ]
