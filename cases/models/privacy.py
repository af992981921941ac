"""最小必要 (GB/T 35273): who was shown a villager's full ID number or phone without needing it for their work, when,
on which case, and why — a log the town office reads."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .history import AppendOnlyModel


class IdentityReveal(AppendOnlyModel):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="identity_reveals", verbose_name=_("case")
    )
    town = models.ForeignKey("villages.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    user_name = models.CharField(_("name"), max_length=50)
    at = models.DateTimeField(_("time"))
    reason = models.CharField(_("reason"), max_length=200)
    where = models.CharField(_("where"), max_length=30, help_text=_("The page or paper it was shown on."))

    append_only_name = "Identity reveal log"

    class Meta:
        verbose_name = _("full ID number shown")
        verbose_name_plural = _("full ID numbers shown (查看记录)")
        ordering = ["-at"]
        indexes = [models.Index(fields=["town", "-at"], name="identityreveal_town_recent")]

    def __str__(self) -> str:
        return f"{self.user_name} {self.case_id} {self.at:%Y-%m-%d %H:%M}"
