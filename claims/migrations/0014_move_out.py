"""Watches, assignments and alert channels move to the desk app, import jobs to intake
(their tables keep their names and rows: desk/0001 and intake/0001 take them over)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0013_import_jobs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay where they are, rows and all: only Django's idea
            # of which app owns them changes.
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='alertchannel',
                    name='alertchannel_user_or_desk',
                ),
                migrations.RemoveConstraint(
                    model_name='alertchannel',
                    name='alertchannel_url_not_empty',
                ),
                migrations.RemoveIndex(
                    model_name='alertdelivery',
                    name='alertdelivery_due_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='assignment',
                    name='assignment_once_per_user',
                ),
                migrations.RemoveIndex(
                    model_name='importjob',
                    name='importjob_upload',
                ),
                migrations.RemoveConstraint(
                    model_name='importjob',
                    name='importjob_kind_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='importjob',
                    name='importjob_state_valid',
                ),
                migrations.RemoveConstraint(
                    model_name='watch',
                    name='watch_once_per_user',
                ),
                migrations.RemoveField(
                    model_name='alertdelivery',
                    name='channel',
                ),
                migrations.RemoveField(
                    model_name='assignment',
                    name='assigned_by',
                ),
                migrations.RemoveField(
                    model_name='assignment',
                    name='claim',
                ),
                migrations.RemoveField(
                    model_name='assignment',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='importjob',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='claim',
                ),
                migrations.RemoveField(
                    model_name='watch',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AlertChannel',
                ),
                migrations.DeleteModel(
                    name='AlertDelivery',
                ),
                migrations.DeleteModel(
                    name='Assignment',
                ),
                migrations.DeleteModel(
                    name='ImportJob',
                ),
                migrations.DeleteModel(
                    name='Watch',
                ),
            ],
            database_operations=[],
        ),
    ]
