"""Two clicks on 叫下一位 at the same moment (a double click, or two PCs at one desk) call one ticket; tickets given
at once get consecutive numbers. PostgreSQL only: SQLite serialises every writer, it cannot show the race."""

import pytest
from django.db import connection

from cases.errors import CaseError
from tests.cases.test_concurrency import run_together
from tests.factories import VillageCadreFactory
from tickets import services
from tickets.models import Ticket, TicketCall

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL=postgres://…)"
    ),
]


@pytest.mark.parametrize("version", [0, None])
def test_two_clicks_at_once_call_one_ticket(hall_day, cadre, village, village_desk, version):
    for name in ("黄必刘", "韦金凤", "农秀英"):
        services.ticket_issue(actor=cadre, village=village, villager=services.Villager(name=name))
    second_cadre = VillageCadreFactory(village=village).user

    results = run_together(
        [
            lambda user=user: services.ticket_call_next(actor=user, desk=village_desk, version=version)
            for user in (cadre, second_cadre)
        ]
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert isinstance(next(v for k, v in results if k == "error"), CaseError)
    assert TicketCall.objects.count() == 1
    assert TicketCall.objects.get().ticket.label == "A001"


def test_tickets_given_at_once_get_consecutive_numbers(hall_day, cadre, village):
    second_cadre = VillageCadreFactory(village=village).user
    users = [cadre, second_cadre] * 3
    results = run_together(
        [
            lambda user=user, i=i: services.ticket_issue(
                actor=user, village=village, villager=services.Villager(name=f"黄{i}")
            )
            for i, user in enumerate(users)
        ]
    )
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(Ticket.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
