import django.db.models.deletion
from django.db import migrations, models


def town_from_memberships(apps, schema_editor):
    """Give every account the one town its memberships point to; accounts of no town or of several stay county-level."""
    User = apps.get_model("jinjie", "User")
    TownStaff = apps.get_model("villages", "TownStaff")
    VillageCadre = apps.get_model("villages", "VillageCadre")
    DepartmentMember = apps.get_model("departments", "DepartmentMember")
    towns: dict[int, set[int]] = {}
    memberships = [
        TownStaff.objects.values_list("user_id", "town_id"),
        VillageCadre.objects.values_list("user_id", "village__town_id"),
        DepartmentMember.objects.filter(department__town__isnull=False).values_list("user_id", "department__town_id"),
    ]
    for rows in memberships:
        for user_id, town_id in rows:
            towns.setdefault(user_id, set()).add(town_id)
    # Superusers are managed by superusers only, whatever they are members of.
    for user in User.objects.filter(pk__in=towns, town__isnull=True, is_superuser=False).only("pk"):
        if len(towns[user.pk]) == 1:
            User.objects.filter(pk=user.pk).update(town_id=next(iter(towns[user.pk])))


def forget_towns(apps, schema_editor):
    apps.get_model("jinjie", "User").objects.update(town=None)


class Migration(migrations.Migration):
    dependencies = [
        ("jinjie", "0001_initial"),
        ("villages", "0005_consultation_covering_index"),
        ("departments", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="town",
            field=models.ForeignKey(
                blank=True,
                help_text="The town whose office manages this account; empty for county-level accounts.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="users",
                to="villages.town",
                verbose_name="home town",
            ),
        ),
        migrations.RunPython(town_from_memberships, forget_towns),
    ]
