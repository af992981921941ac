"""The one worker process: django-tasks' database worker (django_tasks_db) running the queued jobs, and a small
schedule beside it that queues the periodic ones — sending what is due (every NOTICES_TICK_SECONDS: retries, held
messages at 08:00, anything whose wake-up was lost in a crash) and the day-before reminders (every few minutes)."""

import logging
import threading
import time

from django.db import close_old_connections
from django.db.utils import OperationalError

from . import tasks

logger = logging.getLogger("notices.worker")

REMINDER_EVERY = 300.0  # seconds


class Schedule(threading.Thread):
    def __init__(self, tick: float) -> None:
        super().__init__(name="notices-schedule", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()
        self._last_reminders = -REMINDER_EVERY

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
        tasks.enqueue_once(tasks.send_due)
        if time.monotonic() - self._last_reminders >= REMINDER_EVERY:
            tasks.enqueue_once(tasks.write_reminders)
            self._last_reminders = time.monotonic()
