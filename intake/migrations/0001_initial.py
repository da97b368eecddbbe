"""Intake takes over the import jobs table from the claims app, rows and all (claims/0014)."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ['importjob']


def move_content_types(apps, schema_editor, *, source="claims", target="intake"):
    # Permissions hang on content types: moving the type keeps the groups' permissions.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=source, model__in=MODELS).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="intake", target="claims")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('claims', '0014_move_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are, rows and all: only Django's idea
            # of which app owns them changes.
            state_operations=[
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('upload', models.CharField(max_length=32)),
                        ('name', models.CharField(max_length=255)),
                        ('options', models.JSONField(default=dict)),
                        ('mapping', models.JSONField(default=dict)),
                        ('check_sources', models.BooleanField(default=False)),
                        ('kind', models.CharField(choices=[('preview', 'Preview'), ('import', 'Import')], max_length=10)),
                        ('state', models.CharField(choices=[('queued', 'Waiting for the worker'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=10)),
                        ('report', models.JSONField(blank=True, null=True)),
                        ('message', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'claims_importjob',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['upload', '-created_at'], name='importjob_upload')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['preview', 'import'])), name='importjob_kind_valid'), models.CheckConstraint(condition=models.Q(('state__in', ['queued', 'running', 'done', 'failed', 'cancelled'])), name='importjob_state_valid')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
