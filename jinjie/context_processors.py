from django.conf import settings

from .roles import roles_for


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "hall_roles": roles_for(user),
        "idle_seconds": settings.SESSION_IDLE_SECONDS,
        "idle_warning_seconds": min(settings.SESSION_IDLE_WARNING_SECONDS, settings.SESSION_IDLE_SECONDS // 2),
    }
