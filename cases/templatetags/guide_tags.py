"""The service guide's filters: what a list of matters says about each one's time (cases.guide)."""

from django import template

from .. import guide

register = template.Library()


@register.filter
def promised(matter) -> str:
    """承诺时限：5个工作日, or 即办件 — from the matter's own fields, no query."""
    return guide.promised(matter)
