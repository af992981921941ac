"""Listening to the cases app (cases.signals): a history event that concerns the villager puts its messages in the
outbox in the event's own transaction."""

from .services import notifications_for_event


def on_event_appended(sender, *, case, event, **kwargs) -> None:
    notifications_for_event(case=case, event=event)
