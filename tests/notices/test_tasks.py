"""The worker's jobs through django-tasks' database backend: what the schedule queues, and what running it does."""

import datetime as dt
from unittest import mock

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cases import services
from notices.models import Kind, Notification, State
from notices.worker import Schedule
from tests.factories import complete, open_case, stamp
from tests.notices.conftest import at

pytestmark = pytest.mark.django_db


def run_queued_jobs() -> None:
    """django-tasks' own database worker, in batch mode (run what is queued, then stop). It closes "old" database
    connections between jobs, which would end the test's transaction: left out here."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        worker().run()


def worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )


def test_a_schedule_tick_queues_each_job_once(clock, cadre, village, referral_matter):
    open_case(actor=cadre, matter=referral_matter, village=village)
    schedule = Schedule(tick=10)
    schedule.once()
    schedule.once()

    queued = sorted(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert queued == ["notices.tasks.prune_task_results", "notices.tasks.send_due", "notices.tasks.write_reminders"]


def test_with_nothing_due_the_tick_queues_no_sending(clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    Notification.objects.filter(case=case).update(state=State.SENT, sent_at=at(10, 0))

    Schedule(tick=10).once()

    assert not DBTaskResult.objects.filter(task_path="notices.tasks.send_due").exists()


def test_finished_runs_are_pruned_after_a_day(clock, time_machine):
    from notices import tasks

    tasks.send_due.enqueue()
    run_queued_jobs()
    assert tasks.prune_task_results.call() == 0

    clock(at(10, 0, day=5))
    assert tasks.prune_task_results.call() == 1
    assert not DBTaskResult.objects.exists()


def test_the_queued_job_sends_what_is_due(aliyun, clock, cadre, village, referral_matter):
    case = open_case(actor=cadre, matter=referral_matter, village=village)
    Schedule(tick=10).once()

    run_queued_jobs()

    assert Notification.objects.get(case=case).state == State.SENT
    assert len(aliyun.sent) == 1
    job = DBTaskResult.objects.get(task_path="notices.tasks.send_due")
    assert job.status == "SUCCESSFUL"
    assert job.return_value["sent"] == 1


def test_the_queued_reminder_job_writes_tomorrows_reminders(
    clock, cadre, clerk, other_clerk, village, appointment_matter
):
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    services.appointment_book(
        actor=other_clerk, case_id=case.pk, date=dt.date(2026, 12, 5), time=dt.time(10, 0), place="镇政务服务大厅"
    )
    clock(at(9, 0, day=4))
    Schedule(tick=10).once()

    run_queued_jobs()

    assert Notification.objects.filter(case=case, kind=Kind.REMINDER).count() == 1
