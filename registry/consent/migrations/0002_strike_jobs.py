
import django.db.models.deletion
from django.db import migrations, models


def jobs_for_existing_strikes(apps, schema_editor):
    """Strikes declared before jobs existed were applied (and lifted) in the request: their
    apply job is done (or stopped, for one lifted before its start), except a strike still
    waiting for its start, whose job beat starts when it comes."""
    Strike = apps.get_model("consent", "Strike")
    StrikeJob = apps.get_model("consent", "StrikeJob")
    for strike in Strike.objects.all():
        if strike.applied_at is not None:
            status, finished = "done", strike.applied_at
        elif strike.lifted_at is not None:
            status, finished = "stopped", strike.lifted_at
        else:
            status, finished = "pending", None
        StrikeJob.objects.create(
            strike=strike, kind="apply", status=status, created_at=strike.declared_at, finished_at=finished
        )


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='StrikeJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('apply', "Suspend the strike's grants"), ('lift', 'Restore what the strike suspended')], max_length=8)),
                ('status', models.CharField(choices=[('pending', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('stopped', 'Stopped: the strike was lifted first')], default='pending', max_length=8)),
                ('total', models.PositiveIntegerField(default=0, help_text='Grants to go through, counted when the job started')),
                ('processed', models.PositiveIntegerField(default=0, help_text='Grants gone through so far')),
                ('changed', models.PositiveIntegerField(default=0, help_text='Grants whose status changed (suspended, or active again)')),
                ('batches', models.PositiveIntegerField(default=0)),
                ('cursor_studio', models.PositiveBigIntegerField(default=0, help_text='The studio id of the last grant done')),
                ('cursor', models.PositiveBigIntegerField(default=0, help_text='The last grant id done')),
                ('status_lists', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField()),
                ('enqueued_at', models.DateTimeField(blank=True, help_text='When it was last sent to a worker', null=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('heartbeat_at', models.DateTimeField(blank=True, help_text='When its last batch committed', null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['strike_id', 'created_at'],
            },
        ),
        migrations.AlterField(
            model_name='strike',
            name='applied_at',
            field=models.DateTimeField(blank=True, help_text='When its job had suspended every grant it covers', null=True),
        ),
        migrations.AddIndex(
            model_name='suspension',
            index=models.Index(condition=models.Q(('ended_at__isnull', True), ('strike__isnull', False)), fields=['strike', 'grant'], name='suspension_open_by_strike'),
        ),
        migrations.AddField(
            model_name='strikejob',
            name='strike',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='jobs', to='consent.strike'),
        ),
        migrations.AddConstraint(
            model_name='strikejob',
            constraint=models.UniqueConstraint(fields=('strike', 'kind'), name='strike_job_once_per_kind'),
        ),
        migrations.RunPython(jobs_for_existing_strikes, migrations.RunPython.noop),
    ]
