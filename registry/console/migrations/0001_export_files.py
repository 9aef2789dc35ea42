
import django.db.models.deletion
import registry.console.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExportFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.CharField(default=registry.console.models.new_export_id, editable=False, max_length=40, unique=True)),
                ('kind', models.CharField(help_text='A key of console.selectors.EXPORTS', max_length=16)),
                ('start', models.DateField()),
                ('end', models.DateField()),
                ('fund', models.CharField(blank=True, max_length=64)),
                ('status', models.CharField(choices=[('pending', 'Waiting for a worker'), ('running', 'Being written'), ('ready', 'Ready to download'), ('failed', 'Failed'), ('expired', 'Deleted after its retention period')], default='pending', max_length=8)),
                ('rows_expected', models.PositiveIntegerField(help_text='Records counted when it was requested')),
                ('rows_written', models.PositiveIntegerField(default=0)),
                ('size_bytes', models.PositiveBigIntegerField(default=0)),
                ('error', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField()),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('heartbeat_at', models.DateTimeField(blank=True, help_text='When the writer last reported progress', null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'created_at'], name='export_file_status_created')],
            },
        ),
    ]
