"""Listening to the cases app (cases.signals): a case taken in joins its villager's ticket in the intake's own
transaction — cases never imports tickets."""

from cases import workflow

from .services import ticket_attach_intake

RECEIVED = workflow.MOVES[workflow.Move.OPEN].event


def on_event_appended(sender, *, case, event, **kwargs) -> None:
    if event.action == RECEIVED:
        ticket_attach_intake(case=case, at=event.at)
