from django.conf import settings
from django.core.checks import Error, Tags, register

from cases import history_keys


@register(Tags.security, deploy=True)
def secret_key_configured(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            Error(
                "SECRET_KEY must be set when DEBUG is off.",
                hint="Set SECRET_KEY in the environment (see README, production-like settings).",
                id="jinjie.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def history_keys_configured(app_configs, **kwargs):
    if not settings.DEBUG and not history_keys.configured_entries():
        return [
            Error(
                "HISTORY_KEYS must be set when DEBUG is off: the case history would be signed with a development key "
                "derived from SECRET_KEY.",
                hint='Set HISTORY_KEYS="<id>:<base64 secret of 32 bytes or more>" (see README, 办理记录防篡改).',
                id="jinjie.E002",
            )
        ]
    return []


@register(Tags.security)
def history_keys_valid(app_configs, **kwargs):
    _keys, problems = history_keys.parse(history_keys.configured_entries())
    return [
        Error(f"HISTORY_KEYS: {problem}.", hint="See README, 办理记录防篡改 / History keys.", id="jinjie.E003")
        for problem in problems
    ]


def unapplied_migrations() -> list[str]:
    """Migrations not yet applied to the default database (/healthz reports them; runserver warns by itself)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
