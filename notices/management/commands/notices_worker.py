import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from notices.worker import Schedule


class Command(BaseCommand):
    help = (
        "Run the background worker: django-tasks' database worker for the queued jobs, and the schedule that queues "
        "the sending of due text messages and the day-before reminders. Ctrl-C stops it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at the task queue.")
        parser.add_argument(
            "--tick", type=float, default=None, help="Seconds between schedule ticks (NOTICES_TICK_SECONDS)."
        )
        parser.add_argument("--worker-id", default="", help="Unique within the pool (default: random).")

    def handle(self, *, interval: float, tick: float | None, worker_id: str, verbosity: int, **options) -> None:
        DBWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(verbosity)
        if verbosity == 1:
            # Every tick runs a job; at the default verbosity only problems (and the console backend's messages,
            # logger notices.sms) are shown, so `make run` stays readable.
            for name in (TASKS_LOGGER, "django_tasks_db"):
                logging.getLogger(name).setLevel(logging.WARNING)
        schedule = Schedule(tick if tick is not None else settings.NOTICES_TICK_SECONDS)
        schedule.start()
        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            schedule.stopped.set()
