from django.conf import settings
from django.core.checks import Error, Tags, register


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
