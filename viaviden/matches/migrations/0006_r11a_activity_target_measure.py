"""Every activity target names how it is measured (issue 11): `measure`, per-project-year evaluation,
the event types counted. Existing targets get the measure of the reference data (data/reference/
programmes.json); unknown non-match targets stay manual registrations."""

from django.db import migrations, models

# code → (measure, event types, per project year): the same as data/reference/programmes.json.
KNOWN = {
    "aau-knowledge-gain": ("knowledge_share", [], False),
    "ucn-bourses-held": ("events_held", ["project_bourse", "internship_bourse", "student_job_bourse"], False),
    "aka-talent-attraction-events": ("events_held", ["talent_attraction"], False),
    "aka-talent-attraction-members": ("event_participants", ["talent_attraction"], False),
    "ma-bridge-events": ("events_held", ["bridge_building"], False),
    "ma-bridge-members": ("event_participants", ["bridge_building"], False),
    "jca-job-search-offered": ("event_participants", ["job_search_course"], False),
    "jca-job-search-employed": ("cohort_in_work", [], False),
    "vaekstpilot-pilots": ("vaekstpilot_started", [], False),
    "vaekstpilot-continuing": ("vaekstpilot_retention", [], False),
    "theme-day-staff": ("event_participants", ["theme_day"], True),
    "case-platform-partners": ("case_coverage", [], False),
}


def set_measures(apps, schema_editor):
    ActivityTarget = apps.get_model("matches", "ActivityTarget")
    for at in ActivityTarget.objects.all():
        if at.code in KNOWN:
            at.measure, at.event_types, at.per_project_year = KNOWN[at.code]
            if at.code == "vaekstpilot-pilots":
                at.unit = "pilots"
        elif at.unit != "matches":
            at.measure = "registrations"
        else:
            continue
        at.save(update_fields=["measure", "event_types", "per_project_year", "unit"])


class Migration(migrations.Migration):
    dependencies = [("matches", "0005_match_need")]

    operations = [
        migrations.AddField(
            model_name="activitytarget",
            name="measure",
            field=models.CharField(
                choices=[
                    ("matches", "Match (aktiviteter, matchtypegruppe, partner)"),
                    ("vaekstpilot_granted", "Vækstpilot: bevilgede forløb"),
                    ("vaekstpilot_started", "Vækstpilot: startede forløb"),
                    ("vaekstpilot_retention", "Vækstpilot: andel i ordinær beskæftigelse ved opfølgning"),
                    ("knowledge_share", "Opfølgning: andel virksomheder med øget viden"),
                    ("events_held", "Afholdte arrangementer (type og arrangør)"),
                    ("event_participants", "Fremmødte deltagere i arrangementer"),
                    ("case_coverage", "Caseplatformen: partnere med mindst én offentliggjort case"),
                    ("cohort_in_work", "Forløb: andel i job inden 4 måneder"),
                    ("registrations", "Manuelle registreringer"),
                ],
                default="matches",
                max_length=40,
                verbose_name="måles som",
            ),
        ),
        migrations.AddField(
            model_name="activitytarget",
            name="per_project_year",
            field=models.BooleanField(default=False, verbose_name="måltal pr. projektår"),
        ),
        migrations.AddField(
            model_name="activitytarget",
            name="years",
            field=models.JSONField(blank=True, default=list, verbose_name="projektår"),
        ),
        migrations.AddField(
            model_name="activitytarget",
            name="event_types",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(set_measures, migrations.RunPython.noop),
    ]
