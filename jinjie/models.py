from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# ASCII digits only: \\d would also take full-width ０-９ (and any script's digits).
mobile_validator = RegexValidator(r"^1[0-9]{10}$", _("Enter an 11-digit mobile number starting with 1."))


class User(AbstractUser):
    """A staff member of the hall. Chinese names are one field: no first/last split anywhere."""

    first_name = None
    last_name = None
    name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[mobile_validator])
    town = models.ForeignKey(
        "villages.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("home town"),
        help_text=_("The town whose office manages this account; empty for county-level accounts."),
    )

    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）" if self.name else self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username
