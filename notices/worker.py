"""The one worker process: django-tasks' database worker (django_tasks_db) running the queued jobs, and a small
schedule beside it that queues the periodic ones — sending, when anything is due (looked at every
NOTICES_TICK_SECONDS: retries, held messages at 08:00, sends left in doubt, anything whose wake-up was lost in a
crash), the day-before reminders (every five minutes) and pruning the queue's finished runs (hourly)."""

import logging
import threading
import time

from django.db import close_old_connections
from django.db.utils import OperationalError

from . import tasks

logger = logging.getLogger("notices.worker")

REMINDER_EVERY = 300.0  # seconds
PRUNE_EVERY = 3600.0


class Schedule(threading.Thread):
    def __init__(self, tick: float) -> None:
        super().__init__(name="notices-schedule", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()
        self._last_reminders = -REMINDER_EVERY
        self._last_prune = -PRUNE_EVERY

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.once()
            except OperationalError:  # a busy SQLite file or a restarting database: try again next tick
                logger.warning("Schedule tick failed; trying again", exc_info=True)
            finally:
                close_old_connections()
            self.stopped.wait(self.tick)

    def once(self) -> None:
        if tasks.anything_due():
            tasks.enqueue_once(tasks.send_due)
        if time.monotonic() - self._last_reminders >= REMINDER_EVERY:
            tasks.enqueue_once(tasks.write_reminders)
            self._last_reminders = time.monotonic()
        if time.monotonic() - self._last_prune >= PRUNE_EVERY:
            tasks.enqueue_once(tasks.prune_task_results)
            self._last_prune = time.monotonic()
