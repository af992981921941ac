"""The worker's jobs (django-tasks, database backend; run by `manage.py notices_worker`)."""

import os
import socket

from django_tasks import task
from django_tasks_db.models import DBTaskResult

from . import sender, services


@task()
def send_due() -> dict:
    """Send every message that is due (notices.sender)."""
    return sender.send_due(worker_id=f"{socket.gethostname()}-{os.getpid()}").as_dict()


@task()
def write_reminders() -> int:
    """The day-before reminders for tomorrow's appointments (idempotent)."""
    return services.reminders_write()


def enqueue_once(job) -> bool:
    """Queue `job` unless a run of it is already waiting (a run that is going on may have missed new rows)."""
    if DBTaskResult.objects.ready().filter(task_path=job.module_path).exists():
        return False
    job.enqueue()
    return True


def wake() -> None:
    """A new message is in the outbox: have the worker look soon (the schedule looks anyway, every tick)."""
    enqueue_once(send_due)
