"""The log of full ID numbers shown (cases.IdentityReveal) is append-only in the database too, like the case history
(0010): on PostgreSQL a trigger refuses UPDATE and DELETE. Elsewhere the ORM's AppendOnlyModel is the guard."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION cases_identityreveal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '查看完整身份证号的记录只能追加，不能修改或删除 (cases_identityreveal is append-only)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_identityreveal_append_only
    BEFORE UPDATE OR DELETE ON cases_identityreveal
    FOR EACH ROW EXECUTE FUNCTION cases_identityreveal_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS cases_identityreveal_append_only ON cases_identityreveal;
DROP FUNCTION IF EXISTS cases_identityreveal_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_accepted_at_of_existing_cases")]

    operations = [migrations.RunPython(forwards, backwards)]
