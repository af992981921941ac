"""The worker's jobs (django-tasks, database backend; run by `manage.py notices_worker`)."""

import datetime as dt
import os
import socket

from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import sender, services
from .models import DUE_STATES, Notification, State

# How long the queue keeps a finished run of a job (the outbox rows keep every message's own story).
KEEP_SUCCESSFUL = dt.timedelta(days=1)
KEEP_FAILED = dt.timedelta(days=14)


@task()
def send_due() -> dict:
    """Send every message that is due (notices.sender)."""
    return sender.send_due(worker_id=f"{socket.gethostname()}-{os.getpid()}").as_dict()


@task()
def write_reminders() -> int:
    """The day-before reminders for tomorrow's appointments (idempotent)."""
    return services.reminders_write()


@task()
def prune_task_results() -> int:
    """Delete the queue's finished runs: every tick leaves one, so a day's worth is kept, failures two weeks."""
    now = timezone.now()
    return DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_SUCCESSFUL)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED)
    ).delete()[0]


def anything_due() -> bool:
    """Is a message due, or a send in doubt (its lease over)? Then a run of `send_due` has work."""
    now = timezone.now()
    return Notification.objects.filter(
        Q(state__in=DUE_STATES, next_attempt_at__lte=now) | Q(state=State.SENDING, claimed_until__lt=now)
    ).exists()


def enqueue_once(job) -> bool:
    """Queue `job` unless a run of it is already waiting (a run that is going on may have missed new rows)."""
    if DBTaskResult.objects.ready().filter(task_path=job.module_path).exists():
        return False
    job.enqueue()
    return True


def wake() -> None:
    """A new message is in the outbox: have the worker look soon (the schedule looks anyway, every tick)."""
    enqueue_once(send_due)
