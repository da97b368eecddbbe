"""The desk takes over its tables from the claims app, rows and all (claims/0014)."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ['watch', 'alertchannel', 'alertdelivery', 'assignment']


def move_content_types(apps, schema_editor, *, source="claims", target="desk"):
    # Permissions hang on content types: moving the type keeps the groups' permissions.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=source, model__in=MODELS).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="desk", target="claims")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('claims', '0014_move_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are, rows and all: only Django's idea
            # of which app owns them changes.
            state_operations=[
                migrations.CreateModel(
                    name='AlertChannel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('label', models.CharField(max_length=100)),
                        ('service', models.CharField(max_length=50)),
                        ('url', models.TextField()),
                        ('url_redacted', models.TextField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('failures', models.PositiveIntegerField(default=0)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('desk', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_channels', to='auth.group')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_channels', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'claims_alertchannel',
                        'ordering': ['label', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='AlertDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=250)),
                        ('body', models.TextField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('failed_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='desk.alertchannel')),
                    ],
                    options={
                        'verbose_name_plural': 'alert deliveries',
                        'db_table': 'claims_alertdelivery',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Assignment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('due_at', models.DateTimeField(blank=True, null=True)),
                        ('assigned_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('assigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='claims.claim')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'claims_assignment',
                        'ordering': ['assigned_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Watch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('notified_until', models.DateTimeField(default=django.utils.timezone.now)),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='claims.claim')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'watches',
                        'db_table': 'claims_watch',
                    },
                ),
                migrations.AddConstraint(
                    model_name='alertchannel',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('desk__isnull', True), ('user__isnull', False)), models.Q(('desk__isnull', False), ('user__isnull', True)), _connector='OR'), name='alertchannel_user_or_desk'),
                ),
                migrations.AddConstraint(
                    model_name='alertchannel',
                    constraint=models.CheckConstraint(condition=models.Q(('url', ''), _negated=True), name='alertchannel_url_not_empty'),
                ),
                migrations.AddIndex(
                    model_name='alertdelivery',
                    index=models.Index(condition=models.Q(('failed_at__isnull', True), ('sent_at__isnull', True)), fields=['next_attempt_at'], name='alertdelivery_due_idx'),
                ),
                migrations.AddConstraint(
                    model_name='assignment',
                    constraint=models.UniqueConstraint(fields=('user', 'claim'), name='assignment_once_per_user'),
                ),
                migrations.AddConstraint(
                    model_name='watch',
                    constraint=models.UniqueConstraint(fields=('user', 'claim'), name='watch_once_per_user'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
