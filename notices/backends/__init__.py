"""SMS backends, chosen by settings.SMS_BACKEND as Django chooses EMAIL_BACKEND: the console (default: logs what
would be sent), Aliyun (阿里云短信, official SDK) and Tencent Cloud (腾讯云短信, official SDK).

A backend sends one message with its idempotency key (`Notification.key`) and says what became of it:

- returns the provider's message id: accepted;
- raises `ProviderError`: refused, with the provider's code and words; `transient` when trying later may help
  (throttling, the provider's own failure, no connection), otherwise the message fails for good;
- raises `InDoubt`: the request may have reached the provider (a read time-out, an unreadable answer). The row stays
  claimed; once its lease ends, `lookup` asks the provider whether a message with that key exists, and only if not
  is it sent again.
"""

import abc

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderError(Exception):
    def __init__(self, code: str, message: str, *, transient: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient


class InDoubt(Exception):
    """The provider may or may not have the message: ask it (`lookup`) before sending again."""


class BaseBackend(abc.ABC):
    name = ""

    @abc.abstractmethod
    def send(self, notification) -> str:
        """Hands the message to the provider; returns the provider's id of it."""

    @abc.abstractmethod
    def lookup(self, notification) -> str | None:
        """The provider's id of the message sent with `notification.key`, or None when it has none."""


def get_backend() -> BaseBackend:
    """A new backend from the settings as they are now (the worker takes one per run)."""
    return import_string(settings.SMS_BACKEND)()
