"""The case's town and village on each step (copied at intake): nullable, backfilled from the case, then required;
and the two covering indexes the report counts a period's steps with."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseStep = apps.get_model("cases", "CaseStep")
    if schema_editor.connection.vendor == "postgresql":
        # One UPDATE … FROM: a correlated subquery per row is minutes on millions of steps.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_casestep AS s SET town_id = c.town_id, village_id = c.village_id "
                "FROM cases_case AS c WHERE c.id = s.case_id AND s.town_id IS NULL"
            )
        return
    case = Case.objects.filter(pk=OuterRef("case_id"))
    CaseStep.objects.filter(town__isnull=True).update(
        town_id=Subquery(case.values("town_id")[:1]), village_id=Subquery(case.values("village_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_paper_kind_statistics_report"),
        ("villages", "0006_issuer_and_remedies"),
    ]

    operations = [
        migrations.AddField(
            model_name="casestep",
            name="town",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.town",
                verbose_name="town",
            ),
        ),
        migrations.AddField(
            model_name="casestep",
            name="village",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.village",
                verbose_name="village",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="casestep",
            name="town",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.town",
                verbose_name="town",
            ),
        ),
        migrations.AlterField(
            model_name="casestep",
            name="village",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.village",
                verbose_name="village",
            ),
        ),
        migrations.AddIndex(
            model_name="casestep",
            index=models.Index(
                fields=["town", "due_on"],
                include=["department", "village", "state", "finished_at", "due_at", "case"],
                name="casestep_town_due_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="casestep",
            index=models.Index(
                fields=["town", "finished_at"], include=["department", "village", "state"], name="casestep_town_done"
            ),
        ),
    ]
