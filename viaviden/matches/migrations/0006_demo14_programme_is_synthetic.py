from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("matches", "0005_match_need")]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="is_synthetic",
            field=models.BooleanField(default=False, verbose_name="syntetisk demodata"),
        ),
    ]
