"""The stored times to complete as packed floats instead of a JSON list (stats.models.pack_seconds): a year's report
unpacked them in tens of milliseconds as JSON. The stored values are carried over, both ways."""

from array import array
import sys

from django.db import migrations, models


# stats.models.pack_seconds and unpack_seconds, copied: a migration must not change when the models module does.
def _pack(values) -> bytes:
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpack(packed) -> list[float]:
    values = array("d")
    values.frombytes(bytes(packed))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def pack(apps, schema_editor):
    MonthDurations = apps.get_model("stats", "MonthDurations")
    for row in MonthDurations.objects.only("pk", "seconds").iterator(chunk_size=500):
        MonthDurations.objects.filter(pk=row.pk).update(packed=_pack(row.seconds))


def unpack(apps, schema_editor):
    MonthDurations = apps.get_model("stats", "MonthDurations")
    for row in MonthDurations.objects.only("pk", "packed").iterator(chunk_size=500):
        MonthDurations.objects.filter(pk=row.pk).update(seconds=_unpack(row.packed))


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_month_durations")]

    operations = [
        migrations.AddField(
            model_name="monthdurations",
            name="packed",
            field=models.BinaryField(default=b"", verbose_name="times to complete (seconds, packed)"),
        ),
        migrations.RunPython(pack, unpack),
        migrations.RemoveField(model_name="monthdurations", name="seconds"),
    ]
