"""What the cases app tells the apps above it, without importing them (apps depend one way: `notices` and `tickets`
listen here, `cases` never imports them).

`event_appended(sender=CaseEvent, case=..., event=...)` is sent by `cases.services._core.append_event` right after a
history event is written, inside the same transaction and with the case row still locked: a receiver that writes
rows writes them atomically with the event (a rolled-back transition leaves neither). Receivers must not do
outside work here (no network): they queue it, and the worker does it after commit.
"""

import django.dispatch

event_appended = django.dispatch.Signal()
