# Issue 8, point 5: on PostgreSQL the database itself refuses to change or remove history, whoever asks.
#
# The model already refuses save() of an existing event, delete() and queryset update()/delete(); these triggers
# also stop raw SQL, a database console and a careless data migration. Someone who owns the tables can still
# switch a trigger off (ALTER TABLE … DISABLE TRIGGER): that is what the keyed chain and the daily digests catch.
# Run the app as a role that does not own the tables to take even that away.
#
# TRUNCATE is refused too, unless the cases go in the same statement (Django's flush between tests, a fresh start):
# the AFTER TRUNCATE trigger runs once every table of the statement is emptied, so it can see whether the table
# the history belongs to is empty as well. SQLite has no such triggers; the model's refusals and verify_history
# remain.

from django.db import migrations

TABLES = (
    # (table, the table that must be emptied with it)
    ("cases_caseevent", "cases_case"),
    ("cases_historydigest", "cases_caseevent"),
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION jinjie_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '办理记录只能追加，不能修改或删除 / % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Case history is never edited or deleted; record a new event instead.';
END
$$;

CREATE OR REPLACE FUNCTION jinjie_history_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_over boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', TG_ARGV[0]) INTO left_over;
    IF left_over THEN
        RAISE EXCEPTION '办理记录不能清空 / % is append-only: TRUNCATE refused while % still has rows',
            TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        for table, owner in TABLES:
            cursor.execute(
                f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION jinjie_history_append_only()"
            )
            cursor.execute(
                f'CREATE TRIGGER {table}_no_truncate AFTER TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION jinjie_history_no_truncate('{owner}')"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, _owner in TABLES:
            cursor.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"')
            cursor.execute(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON "{table}"')
        cursor.execute("DROP FUNCTION IF EXISTS jinjie_history_append_only()")
        cursor.execute("DROP FUNCTION IF EXISTS jinjie_history_no_truncate()")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_history_keys_and_digests"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
