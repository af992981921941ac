"""好差评 in the admin: every rating, rectification and appeal of the town, with filters (level, department,
village, overdue), read-only — they change only through cases.services.ratings (locks, checks, history)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import workflow
from .admin import ReadOnlyAdmin
from .models import Rating, RatingAppeal, Rectification


class OverdueFilter(admin.SimpleListFilter):
    """The workflow's rule for rectifications (cases.workflow.late_q): done after its due time, or open past it."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open past due")),
            ("late", _("Late (open past due or done late)")),
            ("no", _("On time")),
        ]

    def queryset(self, request, queryset):
        late = workflow.late_q(timezone.now(), finished="done_at")
        if self.value() == "open":
            return queryset.filter(late, done_at__isnull=True)
        if self.value() == "late":
            return queryset.filter(late)
        if self.value() == "no":
            return queryset.exclude(late)
        return queryset


class RectificationOverdueFilter(OverdueFilter):
    """The same filter on ratings, through the rectification a bad rating opened."""

    def queryset(self, request, queryset):
        late = workflow.late_q(timezone.now(), finished="rectification__done_at", due="rectification__due_at")
        if self.value() == "open":
            return queryset.filter(late, rectification__done_at__isnull=True)
        if self.value() == "late":
            return queryset.filter(late)
        if self.value() == "no":
            return queryset.filter(rectification__isnull=False).exclude(late)
        return queryset


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    town_lookup = "town"
    list_display = ("case", "level", "reason_list", "channel", "rated_at", "responsible", "appeal_decision")
    list_filter = ("level", "rectification__department", "case__village", RectificationOverdueFilter, "channel")
    search_fields = ("case__number", "comment")
    date_hierarchy = "rated_at"
    list_select_related = ("case", "case__village", "rectification", "rectification__department", "appeal")
    show_full_result_count = False

    @admin.display(description=_("reasons"))
    def reason_list(self, obj):
        return "、".join(obj.reason_labels)

    @admin.display(description=_("responsible"))
    def responsible(self, obj):
        try:
            rectification = obj.rectification
        except Rectification.DoesNotExist:
            return "—"
        return rectification.department or obj.case.village

    @admin.display(description=_("appeal"))
    def appeal_decision(self, obj):
        try:
            return obj.appeal.get_decision_display()
        except RatingAppeal.DoesNotExist:
            return "—"


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    town_lookup = "rating__town"
    list_display = ("rating", "department", "village", "due_on", "callback_result", "second_callback_result", "done")
    list_filter = ("rating__level", "department", "village", OverdueFilter, "callback_result")
    search_fields = ("rating__case__number", "action_taken", "callback_note")
    date_hierarchy = "opened_at"
    list_select_related = ("rating", "rating__case", "department", "village")
    show_full_result_count = False

    @admin.display(description=_("done"), boolean=True)
    def done(self, obj):
        return obj.done_at is not None


@admin.register(RatingAppeal)
class RatingAppealAdmin(ReadOnlyAdmin):
    town_lookup = "rating__town"
    list_display = ("rating", "filed_by", "filed_at", "decision", "decided_by", "decided_at")
    list_filter = ("decision", "rating__level", "rating__rectification__department", "rating__case__village")
    search_fields = ("rating__case__number", "reason", "decision_note")
    date_hierarchy = "filed_at"
    list_select_related = ("rating", "rating__case", "filed_by", "decided_by")
    show_full_result_count = False
