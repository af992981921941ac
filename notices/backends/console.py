import logging

from . import BaseBackend

logger = logging.getLogger("notices.sms")


class ConsoleBackend(BaseBackend):
    """Sends nothing: logs the message as it would go out (the default, so `make run` shows it)."""

    name = "console"

    def send(self, notification) -> str:
        logger.info(
            "SMS to %s [%s, key %s]: %s",
            notification.masked_phone,
            notification.kind,
            notification.key,
            notification.text,
        )
        return f"console-{notification.key.hex}"

    def lookup(self, notification) -> str | None:
        # A log keeps no record to ask: an in-doubt message is logged again (at least once, for a log).
        return None
