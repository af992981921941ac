from django import template

from ..selectors import notifications_for_case

register = template.Library()


@register.simple_tag
def case_notifications(case):
    """`{% case_notifications case as notifications %}`: the messages of a case the page already shows."""
    return list(notifications_for_case(case=case))
