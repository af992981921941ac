"""Counters behind the tracking throttle (cases/throttle.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GuessCounter(models.Model):
    """Wrong tracking guesses counted per client address or per case number within a window (cases/throttle.py).
    Kept in the database so that every app server agrees and `migrate` alone sets it up."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    window_start = models.DateTimeField(_("window start"))
    expires_at = models.DateTimeField(_("window end"), null=True)

    class Meta:
        verbose_name = _("tracking guess counter")
        verbose_name_plural = _("tracking guess counters")
        indexes = [models.Index(fields=["window_start"], name="guesscounter_window")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
