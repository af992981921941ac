# Issue 8, point 5: keyed history (CaseEvent.key_id) and the sealed daily digests.

import cases.history_keys
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_tracking_throttle"),
        ("villages", "0005_consultation_covering_index"),
    ]

    operations = [
        # The events already written were hashed without a key: they keep their plain sha256 hashes (history is
        # append-only, nothing is re-signed) and are marked "sha256", which verify_history checks the old way and
        # reports as legacy. Every event written from now on is signed with the current key.
        migrations.AddField(
            model_name="caseevent",
            name="key_id",
            field=models.CharField(default="sha256", max_length=16, verbose_name="signing key"),
        ),
        # New events default to the current key: a Python-side default, nothing changes in the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="caseevent",
                    name="key_id",
                    field=models.CharField(
                        default=cases.history_keys.current_key_id, max_length=16, verbose_name="signing key"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="HistoryDigest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(verbose_name="date")),
                ("cases", models.PositiveIntegerField(verbose_name="cases")),
                ("events", models.PositiveIntegerField(verbose_name="events")),
                ("heads", models.JSONField(default=list, verbose_name="chain heads")),
                ("key_id", models.CharField(max_length=16, verbose_name="signing key")),
                ("value", models.CharField(max_length=64, verbose_name="digest")),
                ("created_at", models.DateTimeField(verbose_name="sealed at")),
                (
                    "town",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="history_digests",
                        to="villages.town",
                        verbose_name="town",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily history digest",
                "verbose_name_plural": "daily history digests",
                "ordering": ["town", "date"],
                "constraints": [
                    models.UniqueConstraint(fields=("town", "date"), name="historydigest_unique_day"),
                    models.CheckConstraint(
                        condition=models.Q(("cases__lte", models.F("events"))), name="historydigest_cases_have_events"
                    ),
                ],
            },
        ),
    ]
