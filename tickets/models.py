"""Queue tickets (取号叫号). A ticket is one villager's place in the hall on one market day, for all the matters
they brought; the desk whose line it stands in is read from its cases' active steps (tickets depend on cases, never
the reverse), and each desk's turn with it — called, served, parked — is a `TicketCall` of its own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# No-show after this many calls: the ticket is parked (过号) and may be recalled.
MAX_CALLS = 3
PREFIX = "A"


class TicketCounter(models.Model):
    """The last ticket number given out per town and market day; locked when a ticket is issued."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")
        constraints = [models.UniqueConstraint(fields=["town", "day"], name="ticketcounter_unique_town_day")]

    def __str__(self) -> str:
        return f"{self.town_id} {self.day} {self.last}"


class Ticket(models.Model):
    """One villager's queue ticket for a market day: one ticket however many matters."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    market_day = models.ForeignKey(
        "villages.MarketDay", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("market day")
    )
    day = models.DateField(_("day"))  # the market day's date, copied: every line is read by (town, day)
    number = models.PositiveIntegerField(_("number"))
    token = models.CharField(_("public token"), max_length=40, unique=True, editable=False)
    # Only the masked name is kept (黄**): the ticket is shown on the hall board and on a public page.
    masked_name = models.CharField(_("name (masked)"), max_length=20)
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    # Before any case is taken in, the ticket waits at the desk it was sent to: its village's desk, or this one.
    intake_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent to department"),
    )
    cases = models.ManyToManyField("cases.Case", related_name="tickets", blank=True, verbose_name=_("cases"))
    # 绿色通道: each reason kept, and whether any applies (the lines' first sort key).
    is_elderly = models.BooleanField(_("aged 70 or more"), default=False)
    is_disabled = models.BooleanField(_("disabled person"), default=False)
    is_pregnant = models.BooleanField(_("pregnant"), default=False)
    is_urgent = models.BooleanField(_("urgent (marked by a desk)"), default=False)
    is_green = models.BooleanField(_("green channel"), default=False, editable=False)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["town", "day", "number"], name="ticket_unique_number_per_day"),
            models.CheckConstraint(
                condition=(
                    Q(is_green=True)
                    & (Q(is_elderly=True) | Q(is_disabled=True) | Q(is_pregnant=True) | Q(is_urgent=True))
                )
                | Q(is_green=False, is_elderly=False, is_disabled=False, is_pregnant=False, is_urgent=False),
                name="ticket_green_iff_reason",
            ),
        ]
        indexes = [
            # Every line: the day's tickets in calling order (绿色通道 first, then by arrival).
            models.Index(fields=["town", "day", "-is_green", "issued_at"], name="ticket_town_day_line"),
            models.Index(fields=["village", "day"], name="ticket_village_day"),
            models.Index(fields=["intake_department", "day"], name="ticket_sent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:public", kwargs={"token": self.token})

    @property
    def label(self) -> str:
        """A012: what the slip, the board and the voice say."""
        return f"{PREFIX}{self.number:03d}"

    @property
    def green_reasons(self) -> list[str]:
        reasons = [
            (self.is_elderly, _("aged 70 or more")),
            (self.is_disabled, _("disabled person")),
            (self.is_pregnant, _("pregnant")),
            (self.is_urgent, _("urgent")),
        ]
        return [str(label) for flag, label in reasons if flag]


class TicketCall(models.Model):
    """A ticket's turn at one desk (a village's desk or a town department's window) on its market day; a second
    turn at the same desk when a case comes back to it after the first one ended."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls", verbose_name=_("ticket"))
    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    day = models.DateField(_("day"))
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    # When the ticket joined this desk's line: issued, or its case reached the desk, whichever is later.
    queued_at = models.DateTimeField(_("in line since"))
    called_at = models.DateTimeField(_("first called at"))
    last_called_at = models.DateTimeField(_("last called at"))
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("called by")
    )
    call_count = models.PositiveSmallIntegerField(_("calls"), default=1)
    served_at = models.DateTimeField(_("came to the desk at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    is_parked = models.BooleanField(_("parked"), default=False)
    no_shows = models.PositiveSmallIntegerField(_("times parked"), default=0)
    # Seconds, fixed when they happen, so the figures are plain aggregates on either database.
    wait_seconds = models.PositiveIntegerField(_("waited (s)"))
    serve_seconds = models.PositiveIntegerField(_("called to served (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket call")
        verbose_name_plural = _("ticket calls")
        ordering = ["-last_called_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(village__isnull=True, department__isnull=False)
                | Q(village__isnull=False, department__isnull=True),
                name="ticketcall_one_desk",
            ),
            # One turn at a time at a desk; a case sent back the same day to a desk that served the ticket gives it
            # a second turn there (tickets.selectors.turns_holding), each with its own wait.
            models.UniqueConstraint(
                fields=["ticket", "village"],
                condition=Q(village__isnull=False, finished_at__isnull=True),
                name="ticketcall_one_open_turn_per_village",
            ),
            models.UniqueConstraint(
                fields=["ticket", "department"],
                condition=Q(department__isnull=False, finished_at__isnull=True),
                name="ticketcall_one_open_turn_per_department",
            ),
            models.CheckConstraint(
                condition=Q(called_at__gte=models.F("queued_at")), name="ticketcall_called_after_queued"
            ),
            models.CheckConstraint(
                condition=Q(served_at__isnull=True) | Q(served_at__gte=models.F("called_at")),
                name="ticketcall_served_after_called",
            ),
        ]
        indexes = [
            # The hall board: the day's latest calls.
            models.Index(fields=["town", "day", "-last_called_at"], name="ticketcall_board"),
            models.Index(fields=["village", "day"], name="ticketcall_village_day"),
            models.Index(fields=["department", "day"], name="ticketcall_department_day"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} @ {self.village_id or self.department_id}"

    @property
    def is_open(self) -> bool:
        """At the window, or called and not yet come."""
        return self.finished_at is None and not self.is_parked


class DeskDay(models.Model):
    """A desk's calling state on one market day. Its version is the guard against a double click on 叫下一位: a call
    is made only by the request that moves the version from the one its page showed."""

    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    day = models.DateField(_("day"))
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    current = models.ForeignKey(
        TicketCall, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("at the desk")
    )

    class Meta:
        verbose_name = _("desk on a market day")
        verbose_name_plural = _("desks on market days")
        constraints = [
            models.CheckConstraint(
                condition=Q(village__isnull=True, department__isnull=False)
                | Q(village__isnull=False, department__isnull=True),
                name="deskday_one_desk",
            ),
            models.UniqueConstraint(
                fields=["day", "village"], condition=Q(village__isnull=False), name="deskday_unique_village"
            ),
            models.UniqueConstraint(
                fields=["day", "department"], condition=Q(department__isnull=False), name="deskday_unique_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.village_id or self.department_id} v{self.version}"
