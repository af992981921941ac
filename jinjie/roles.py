"""Where each of the hall's roles starts its day."""

from django.urls import reverse

from cases.access import Roles, roles_for
from departments.access import county_departments
from villages.access import is_county_office

__all__ = ["Roles", "landing_url", "roles_for"]


def landing_url(user) -> str:
    """Each role lands on its own place; the most overseeing role wins for a user with several."""
    roles = roles_for(user)
    if user.is_superuser or roles.is_office or roles.is_supervisor:
        return reverse("admin:index")
    if is_county_office(user):
        return reverse("admin:stats_county")
    if roles.is_clerk:
        return reverse("cases:queue")
    if roles.is_county_officer:
        # The county board (every town's appointments and referrals) when the officer has a county department to
        # show there; the hall's appointment list otherwise.
        if county_departments(user).exists():
            return reverse("departments:county")
        return reverse("cases:appointments")
    if roles.is_cadre:
        return reverse("cases:desk")
    return reverse("no_role")
