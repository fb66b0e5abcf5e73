"""MatchType now lives in reference (reference/0004_a17_matchtype); drop it from matches' state only:
the table stays and is renamed by reference/0005_a17_matchtype_table."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("matches", "0010_a17_matchtype_to_reference"),
        ("companies", "0004_a17_matchtype_to_reference"),
        ("candidates", "0005_a17_matchtype_to_reference"),
        ("organisations", "0004_a17_matchtype_to_reference"),
        ("cases", "0003_a17_matchtype_to_reference"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MatchType")],
            database_operations=[],
        ),
    ]
