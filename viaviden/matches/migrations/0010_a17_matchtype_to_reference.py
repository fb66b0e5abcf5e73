"""Point to the match palette in its new app (reference/0004_a17_matchtype); the same table and column,
so this changes the migration state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("matches", "0009_merge_hard13"),
        ("reference", "0004_a17_matchtype"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="match",
                    name="match_type",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="reference.matchtype", verbose_name="matchtype"),
                ),
            ],
            database_operations=[],
        ),
    ]
