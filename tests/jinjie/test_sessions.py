"""Shared hall PCs (issue 8, point 2): idle sessions end, the browser forgets them, logout is one click away,
the back button shows nothing after logout."""

import time

import pytest
from django.conf import settings

from jinjie.middleware import LAST_SEEN
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_default_idle_time_is_fifteen_minutes():
    assert settings.SESSION_IDLE_SECONDS == 15 * 60


def test_an_idle_session_ends_and_the_next_page_asks_for_login(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, settings.SESSION_IDLE_SECONDS + 1)

    response = client.get("/desk/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    followed = client.get(response["Location"])
    assert "自动退出" in followed.content.decode()


def test_a_session_used_within_the_idle_time_goes_on(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, settings.SESSION_IDLE_SECONDS - 30)

    assert client.get("/desk/").status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 2


def test_asking_how_long_is_left_is_not_activity(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, settings.SESSION_IDLE_SECONDS - 50)

    response = client.get("/accounts/session/", HTTP_X_HALL_BACKGROUND="1")

    assert 0 < response.json()["remaining"] <= 50
    assert client.session[LAST_SEEN] <= int(time.time()) - 49


def test_continue_keeps_the_session(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, settings.SESSION_IDLE_SECONDS - 50)

    response = client.post("/accounts/session/")

    assert response.json()["remaining"] >= settings.SESSION_IDLE_SECONDS - 2
    _age_session(client, 60)
    assert client.get("/desk/").status_code == 200


def test_the_timer_asking_after_the_idle_time_finds_the_session_ended(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, settings.SESSION_IDLE_SECONDS + 5)

    response = client.get("/accounts/session/", HTTP_X_HALL_BACKGROUND="1")

    assert response.json()["remaining"] == 0
    assert "_auth_user_id" not in client.session


def test_the_idle_time_is_configurable(client_for, cadre, settings):
    settings.SESSION_IDLE_SECONDS = 120
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, 121)

    assert client.get("/desk/").status_code == 302


def test_the_session_cookie_ends_when_the_browser_closes(client, cadre):
    response = client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert response.status_code == 302
    assert not cookie["expires"] and not cookie["max-age"]


def test_staff_pages_are_not_stored_by_the_browser(client_for, cadre):
    response = client_for(cadre).get("/desk/")

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_pages_name_the_idle_time_for_the_warning(client_for, cadre):
    page = client_for(cadre).get("/desk/").content.decode()

    assert f'data-idle-seconds="{settings.SESSION_IDLE_SECONDS}"' in page
    assert 'id="idle-continue"' in page and "继续" in page
    assert "hall/session.js" in page


def test_admin_pages_carry_the_idle_warning_too(client_for, town_office):
    page = client_for(town_office).get("/admin/").content.decode()

    assert "hall/session.js" in page
    assert 'id="idle-continue"' in page


@pytest.mark.parametrize("path", ["/desk/", "/rectifications/", "/start/"])
def test_logout_is_one_click_from_staff_pages(client_for, cadre, path):
    response = client_for(cadre).get(path, follow=True)

    assert 'action="/accounts/logout/"' in response.content.decode()


def test_after_logout_the_back_button_finds_nothing(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")

    out = client.post("/accounts/logout/", {"next": "/accounts/login/"})
    again = client.get("/desk/")

    assert out.status_code == 302
    assert again.status_code == 302 and again["Location"].startswith("/accounts/login/")


def test_a_page_within_half_a_minute_does_not_rewrite_the_session(client_for, cadre):
    client = client_for(cadre)
    client.get("/desk/")
    _age_session(client, 10)
    noted = client.session[LAST_SEEN]

    client.get("/desk/")

    assert client.session[LAST_SEEN] == noted
