"""Suggestions get a public code for the claim page's Link and Dismiss URLs: added empty,
filled one by one (each its own UUID), then made unique and required."""

import uuid

from django.db import migrations, models


def fill_codes(apps, schema_editor):
    Suggestion = apps.get_model("discovery", "Suggestion")
    for pk in Suggestion.objects.filter(code=None).values_list("pk", flat=True).iterator():
        Suggestion.objects.filter(pk=pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="code",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="suggestion",
            name="code",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
