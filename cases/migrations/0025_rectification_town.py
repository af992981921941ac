"""Rectification.town: the rating's town, copied, so the report counts a period's rectifications on their own index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_town(apps, schema_editor):
    Rectification = apps.get_model("cases", "Rectification")
    Rating = apps.get_model("cases", "Rating")
    Rectification.objects.filter(town__isnull=True).update(
        town_id=Subquery(Rating.objects.filter(pk=OuterRef("rating_id")).values("town_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_case_proxy_messages_declined"),
        ("villages", "0007_county_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="rectification",
            name="town",
            field=models.ForeignKey(
                null=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.town",
                verbose_name="town",
            ),
        ),
        migrations.RunPython(copy_town, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="rectification",
            name="town",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="villages.town",
                verbose_name="town",
            ),
        ),
        migrations.AddIndex(
            model_name="rectification",
            index=models.Index(fields=["town", "opened_at"], name="rectification_town_opened"),
        ),
    ]
