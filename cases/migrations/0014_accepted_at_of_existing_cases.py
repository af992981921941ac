"""受理 for the cases opened before it was recorded: at intake, except a case still waiting for the materials it was
opened without (opened awaiting, never brought): that one is not accepted yet."""

from django.db import migrations
from django.db.models import F, Q


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    waiting_since_intake = Q(state="awaiting", paused_from="received", paused_at=F("received_at"))
    Case.objects.filter(accepted_at__isnull=True).exclude(waiting_since_intake).update(accepted_at=F("received_at"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_papers_refusals_guide_feedback")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
