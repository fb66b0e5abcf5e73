"""The match palette (MatchType) moves from `matches` to `reference` (issue 17), in three steps so no row
is lost: this one adds the model to reference's state on the existing table `matches_matchtype` (no SQL);
the apps that point to it then repoint their fields (state only), matches drops it from its state
(0011_a17_delete_matchtype), and 0005_a17_matchtype_table renames the table to `reference_matchtype`."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reference", "0003_hard13_text_limits"),
        ("matches", "0009_merge_hard13"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MatchType",
                    fields=[
                        ("code", models.SlugField(max_length=40, primary_key=True, serialize=False)),
                        ("name_da", models.CharField(max_length=100)),
                        ("name_en", models.CharField(max_length=100)),
                        ("group", models.CharField(choices=[("student_collaboration", "Studentersamarbejde"),
                                                            ("job_match", "Jobmatch")], max_length=30)),
                        ("order", models.PositiveSmallIntegerField(default=0)),
                    ],
                    options={
                        "verbose_name": "matchtype",
                        "verbose_name_plural": "matchtyper",
                        "ordering": ["order"],
                        "db_table": "matches_matchtype",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
