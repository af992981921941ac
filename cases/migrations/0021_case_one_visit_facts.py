"""Two facts of a case that 一次办结 reads (stats.figures.one_visit_q) without a subquery per case into its history:
whether missing materials were ever asked for, and its county step's mode; backfilled from the events and steps."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseStep = apps.get_model("cases", "CaseStep")
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case AS c SET had_materials_round = true FROM "
                "(SELECT DISTINCT case_id FROM cases_caseevent WHERE action = 'materials_requested') AS e "
                "WHERE e.case_id = c.id"
            )
            cursor.execute(
                "UPDATE cases_case AS c SET county_mode = s.county_mode FROM cases_casestep AS s "
                "WHERE s.case_id = c.id AND s.kind = 'county' AND s.county_mode <> ''"
            )
        return
    asked = CaseEvent.objects.filter(case=OuterRef("pk"), action="materials_requested")
    Case.objects.filter(Exists(asked)).update(had_materials_round=True)
    county = CaseStep.objects.filter(case=OuterRef("pk"), kind="county").exclude(county_mode="")
    Case.objects.filter(Exists(county)).update(county_mode=Subquery(county.values("county_mode")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_closed_cover_mediation"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="county_mode",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No county step"),
                    ("appointment", "Appointment at the hall"),
                    ("referral", "Referral to the county office"),
                    ("submission", "Sent up by the town"),
                ],
                editable=False,
                max_length=12,
                verbose_name="county mode",
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="had_materials_round",
            field=models.BooleanField(default=False, editable=False, verbose_name="missing materials were asked for"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
