"""Point to the match palette in its new app (reference/0004_a17_matchtype); the same table and column,
so this changes the migration state only."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("companies", "0003_hard13_text_limits"),
        ("reference", "0004_a17_matchtype"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="need",
                    name="match_types",
                    field=models.ManyToManyField(blank=True, related_name="+", to="reference.matchtype", verbose_name="ønskede matchtyper"),
                ),
            ],
            database_operations=[],
        ),
    ]
