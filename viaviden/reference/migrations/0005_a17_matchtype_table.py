"""Rename the match palette's table to reference's name (a plain ALTER TABLE … RENAME: rows, keys and
the foreign keys pointing to it are kept). See 0004_a17_matchtype."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reference", "0004_a17_matchtype"),
        ("matches", "0011_a17_delete_matchtype"),
    ]

    operations = [
        migrations.AlterModelTable(name="matchtype", table=None),
    ]
