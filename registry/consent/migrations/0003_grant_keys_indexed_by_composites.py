
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0002_strike_jobs'),
        ('parties', '0001_initial'),
        ('terms', '0007_agreement_residual_terms'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consentgrant',
            name='agreement',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='terms.agreement'),
        ),
        migrations.AlterField(
            model_name='consentgrant',
            name='performer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='parties.performer'),
        ),
        migrations.AlterField(
            model_name='consentgrant',
            name='studio',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='grants', to='parties.studio'),
        ),
    ]
