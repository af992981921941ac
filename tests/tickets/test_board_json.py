"""The board's calls, polled every second by every hall TV: one query when there are calls (issue 13 point 6)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.test_views import day_with_tickets

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefixed", [False, True])
def test_the_calls_are_one_query_when_there_are_calls(hall_day, client, cadre, village, new_case, town, prefixed):
    day_with_tickets(6, cadre=cadre, village=village, new_case=new_case)
    path = f"/{town.code}/hall/calls.json" if prefixed else "/hall/calls.json"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    assert response.json()["calls"]  # the call still at the desk
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_an_empty_board_answers_and_a_missing_town_is_404(hall_day, client, town):
    assert client.get("/hall/calls.json").json() == {"calls": []}
    assert client.get(f"/{town.code}/hall/calls.json").json() == {"calls": []}
    assert client.get("/999999999/hall/calls.json").status_code == 404


def test_without_any_town_the_calls_are_404(client, db):
    assert client.get("/hall/calls.json").status_code == 404
