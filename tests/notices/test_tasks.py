"""The worker's jobs through django-tasks' database backend: what the schedule queues, and what running it does."""

import datetime as dt

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
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()


def test_a_schedule_tick_queues_sending_and_reminders_once(clock):
    schedule = Schedule(tick=10)
    schedule.once()
    schedule.once()

    queued = sorted(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert queued == ["notices.tasks.send_due", "notices.tasks.write_reminders"]


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
