"""How the result reaches the villager, copied onto the case (for 一次办结 of months already stored), backfilled
from the catalogue; and the marks of months whose stored figures a later change made stale."""

import django.db.models.deletion
import django.utils.timezone


from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case AS c SET result_delivery = m.result_delivery FROM cases_matter AS m "
                "WHERE m.id = c.matter_id"
            )
        return
    Case = apps.get_model("cases", "Case")
    Matter = apps.get_model("cases", "Matter")
    Case.objects.update(
        result_delivery=Subquery(Matter.objects.filter(pk=OuterRef("matter_id")).values("result_delivery")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_case_one_visit_facts"),
        ("villages", "0006_issuer_and_remedies"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="result_delivery",
            field=models.CharField(
                blank=True,
                choices=[
                    ("desk", "Collected at the hall desk"),
                    ("village", "Brought back by the village cadre"),
                    ("mail", "Sent by post"),
                    ("notice", "Notified by text message"),
                ],
                editable=False,
                max_length=10,
                verbose_name="result delivery",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.CreateModel(
            name="StaleMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(help_text="The first day of the month.", verbose_name="month")),
                ("reason", models.CharField(max_length=100, verbose_name="reason")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="marked at")),
                (
                    "town",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="villages.town",
                        verbose_name="town",
                    ),
                ),
            ],
            options={
                "verbose_name": "month to recount",
                "verbose_name_plural": "months to recount",
                "indexes": [models.Index(fields=["town", "month"], name="stalemonth_town_month")],
            },
        ),
    ]
