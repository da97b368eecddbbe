"""Evidence remembers the snapshot its stance was given for (issue 19).

Existing evidence is given the snapshot that was its source's latest when it was linked
(`added_at`), or, for a source fetched only after the link, its first snapshot. Evidence
of a source never fetched keeps none: the first check gives it one.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def judge_existing(apps, schema_editor):
    Evidence = apps.get_model("claims", "Evidence")
    Snapshot = apps.get_model("sources", "Snapshot")
    # The same rule as claims.services.evidence_judge_pending, frozen here as it is today.
    snapshots = Snapshot.objects.filter(source=OuterRef("source_id"))
    before = snapshots.filter(created_at__lte=OuterRef("added_at")).order_by("-created_at", "-id")
    first = snapshots.order_by("created_at", "id")
    Evidence.objects.filter(judged_snapshot=None).update(
        judged_snapshot=Coalesce(Subquery(before.values("pk")[:1]), Subquery(first.values("pk")[:1]))
    )


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0014_move_out'),
        ('sources', '0007_fingerprints'),
    ]

    operations = [
        migrations.AddField(
            model_name='evidence',
            name='judged_snapshot',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sources.snapshot'),
        ),
        migrations.RunPython(judge_existing, migrations.RunPython.noop, elidable=True),
    ]
