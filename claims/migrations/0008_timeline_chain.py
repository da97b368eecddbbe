"""The timeline becomes a hash chain per claim (claims.chain); 0009 makes it append-only.

1. New fields: the chain's `seq`, `prev_hash` and `hash` on events, its head on claims,
   and `withdrawn_at` (claims are withdrawn, never deleted).
2. Existing events are chained in the order they were written (id order).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from claims import chain


def chain_existing(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    ClaimEvent = apps.get_model("claims", "ClaimEvent")
    for claim in Claim.objects.filter(events__isnull=False).distinct().iterator():
        prev, seq = "", 0
        for event in ClaimEvent.objects.filter(claim=claim).order_by("id"):
            seq += 1
            rec = chain.record(
                claim_code=claim.code,
                seq=seq,
                kind=event.kind,
                actor_id=event.actor_id,
                created_at=event.created_at,
                payload=event.payload,
                source_id=event.source_id,
                prev=prev,
            )
            digest = chain.event_hash(rec)
            ClaimEvent.objects.filter(pk=event.pk).update(
                seq=seq, prev_hash=prev, hash=digest, payload=rec["payload"]
            )
            prev = digest
        Claim.objects.filter(pk=claim.pk).update(timeline_head=prev, timeline_length=seq)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_alert_channels"),
        ("sources", "0004_source_last_error_first_outcome"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="claimevent",
            name="claimevent_kind_valid",
        ),
        migrations.AddField(
            model_name="claim",
            name="timeline_head",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="claim",
            name="timeline_length",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="claim",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="claimevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="claimevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="claimevent",
            name="seq",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="claimevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="claimevent",
            name="claim",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="claims.claim",
            ),
        ),
        migrations.AlterField(
            model_name="claimevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Claim logged"),
                    ("edited", "Claim edited"),
                    ("evidence_added", "Source linked"),
                    ("evidence_removed", "Source removed"),
                    ("evidence_restanced", "Stance changed"),
                    ("evidence_edited", "Quote or note edited"),
                    ("evidence_reviewed", "Evidence reviewed"),
                    ("verdict_set", "Verdict set"),
                    ("comment", "Comment"),
                    ("merged", "Duplicate merged"),
                    ("withdrawn", "Claim withdrawn"),
                    ("source_changed", "Source edited"),
                    ("source_headline_changed", "Source headline changed"),
                    ("source_correction", "Correction notice on source"),
                    ("source_retraction", "Retraction notice on source"),
                    ("source_gone", "Source gone"),
                    ("source_moved", "Source moved"),
                    ("source_back", "Source back"),
                    ("source_unreachable", "Source unreachable"),
                    ("source_blocked", "Source blocked"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="claimevent",
            name="source",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sources.source",
            ),
        ),
        migrations.AddConstraint(
            model_name="claimevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "created",
                            "edited",
                            "evidence_added",
                            "evidence_removed",
                            "evidence_restanced",
                            "evidence_edited",
                            "evidence_reviewed",
                            "verdict_set",
                            "comment",
                            "merged",
                            "withdrawn",
                            "source_changed",
                            "source_headline_changed",
                            "source_correction",
                            "source_retraction",
                            "source_gone",
                            "source_moved",
                            "source_back",
                            "source_unreachable",
                            "source_blocked",
                        ],
                    )
                ),
                name="claimevent_kind_valid",
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
    ]
