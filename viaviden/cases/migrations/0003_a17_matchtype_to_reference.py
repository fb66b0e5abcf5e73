"""Point to the match palette in its new app (reference/0004_a17_matchtype); the same table and column,
so this changes the migration state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_hard13_text_limits"),
        ("reference", "0004_a17_matchtype"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="match_type",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="reference.matchtype", verbose_name="samarbejdsform"),
                ),
            ],
            database_operations=[],
        ),
    ]
