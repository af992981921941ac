"""The villager's view (issue 3, point 10): /track/, /t/<token>/ and the JSON API show no personal data, and wrong
guesses are throttled per client and per case number."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from cases import services, throttle
from cases.models import Case, GuessCounter
from tests.factories import (
    APPLICANT_ID,
    APPLICANT_NAME,
    APPLICANT_NOTES,
    APPLICANT_PHONE,
    complete,
    open_case,
    reload,
    stamp,
)

pytestmark = pytest.mark.django_db

RIGHT = APPLICANT_PHONE[-4:]
WRONG = "0000" if RIGHT != "0000" else "1111"
OUTCOME = "内部意见：家庭收入已核实，建议批准"
OTHER_NUMBER = "451425102-20200101-0042"


@pytest.fixture
def case(cadre, clerk, village, hamlet, referral_matter):
    """赵国向's case: stamped by the village, 民政办 done with an internal note, now at 党政办."""
    case = open_case(actor=cadre, matter=referral_matter, village=village, hamlet=hamlet)
    stamp(case, cadre)
    complete(case, clerk, outcome=OUTCOME)
    return reload(case)


def track(client, number: str, phone4: str, address: str = "10.0.0.1", **extra):
    return client.post("/track/", {"number": number, "phone4": phone4}, REMOTE_ADDR=address, **extra)


def api(client, number: str, phone4: str, address: str = "10.0.0.1", **extra):
    return client.get(f"/api/v1/cases/{number}", {"phone4": phone4}, REMOTE_ADDR=address, **extra)


def private_strings(case: Case) -> list[str]:
    """What must never reach a public page: the full name, ID number (full or masked), phone, notes, desk notes."""
    return [
        APPLICANT_NAME,
        APPLICANT_ID,
        case.masked_id_number,
        APPLICANT_ID[6:14],
        APPLICANT_PHONE,
        case.masked_phone,
        APPLICANT_NOTES,
        OUTCOME,
        case.hamlet.name,
        case.received_by.get_full_name(),
    ]


# --- finding the case ----------------------------------------------------------------------------------------------


def test_track_page_opens_without_login(client):
    assert client.get("/track/").status_code == 200


def test_number_and_right_last_four_digits_lead_to_the_public_page(client, case):
    response = track(client, case.number, RIGHT)

    assert response.status_code == 302
    assert response.url == f"/t/{case.token}/"


def test_number_with_spaces_around_is_found(client, case):
    response = track(client, f"  {case.number} ", RIGHT)

    assert response.status_code == 302
    assert response.url == f"/t/{case.token}/"


def test_wrong_last_four_digits_show_an_error(client, case):
    response = track(client, case.number, WRONG)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert re.search(r"[\u4e00-\u9fff]", str(errors[0])), errors  # in Chinese, whatever the wording
    assert str(errors[0]) in response.content.decode()
    assert case.token not in response.content.decode()


def test_unknown_number_shows_an_error(client, case):
    response = track(client, OTHER_NUMBER, RIGHT)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_malformed_last_four_is_a_form_error(client, case):
    response = track(client, case.number, "12a4")

    assert response.status_code == 200
    assert "phone4" in response.context["form"].errors


def test_unknown_token_is_404(client, case):
    assert client.get("/t/not-a-real-token/").status_code == 404


# --- what the public page shows --------------------------------------------------------------------------------


def test_public_page_shows_masked_name_matter_and_steps(client, case, department, other_department):
    response = client.get(f"/t/{case.token}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "赵**" in content
    assert case.matter.name in content
    assert case.number in content
    for name in (department.name, other_department.name, case.matter.county_department.name):
        assert name in content
    assert 'name="viewport"' in content  # reads well on a phone
    assert response.context["data"]["current_step"]["name"] == other_department.name


def test_public_page_shows_no_personal_data(client, case):
    content = client.get(f"/t/{case.token}/").content.decode()

    leaked = [s for s in private_strings(case) if s in content]
    assert leaked == []


def test_public_page_is_not_cached(client, case):
    response = client.get(f"/t/{case.token}/")

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_api_returns_the_public_data_as_json(client, case, other_department):
    response = api(client, case.number, RIGHT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["number"] == case.number
    assert data["applicant"] == "赵**"
    assert data["matter"] == case.matter.name
    assert data["state"] == Case.State.IN_PROGRESS
    assert [s["order"] for s in data["steps"]] == [1, 2, 3, 4]
    assert [s["state"] for s in data["steps"]] == ["done", "done", "active", "pending"]
    assert data["current_step"]["name"] == other_department.name
    assert data["current_step"]["due_at"]


def test_api_shows_no_personal_data(client, case):
    response = api(client, case.number, RIGHT)

    raw = response.content.decode()
    escaped = json.dumps(response.json())  # also the \\u-escaped form, in case ensure_ascii is ever turned on
    leaked = [s for s in private_strings(case) if s in raw or json.dumps(s)[1:-1] in escaped]
    assert leaked == []
    assert not {"applicant_id_number", "applicant_phone", "notes", "phone", "id_number"} & set(response.json())


def test_api_shows_the_appointment_but_not_who_booked_it(
    client, cadre, clerk, other_clerk, village, appointment_matter
):
    case = open_case(actor=cadre, matter=appointment_matter, village=village)
    stamp(case, cadre)
    complete(case, clerk)
    complete(case, other_clerk)
    services.appointment_book(
        actor=other_clerk,
        case_id=case.pk,
        date=timezone.localdate() + dt.timedelta(days=2),
        time=dt.time(9, 30),
        place="镇政务服务大厅",
    )

    data = api(client, case.number, RIGHT).json()

    assert [a["place"] for a in data["appointments"]] == ["镇政务服务大厅"]
    assert other_clerk.get_full_name() not in json.dumps(data, ensure_ascii=False)


def test_api_wrong_last_four_is_404(client, case):
    response = api(client, case.number, WRONG)

    assert response.status_code == 404
    assert case.matter.name not in response.content.decode()


@pytest.mark.parametrize("phone4", ["", "123", "12345", "abcd"])
def test_api_malformed_last_four_is_404(client, case, phone4):
    assert api(client, case.number, phone4).status_code == 404


def test_api_unknown_number_is_404(client, case):
    assert api(client, OTHER_NUMBER, RIGHT).status_code == 404


# --- throttling ----------------------------------------------------------------------------------------------------


def test_four_wrong_guesses_still_allow_the_right_one(client, case):
    for _ in range(4):
        track(client, case.number, WRONG)

    assert track(client, case.number, RIGHT).status_code == 302


def test_after_five_wrong_guesses_even_the_right_one_is_refused(client, case):
    for _ in range(5):
        track(client, case.number, WRONG)

    response = track(client, case.number, RIGHT)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert case.token not in response.content.decode()


def test_five_wrong_guesses_on_other_numbers_block_the_client(client, case):
    for n in range(5):
        track(client, f"451425102-20200101-{n:04d}", RIGHT)

    assert track(client, case.number, RIGHT).status_code == 200
    assert track(client, case.number, RIGHT, address="10.0.0.2").status_code == 302  # another client is not blocked


def test_strangers_wrong_guesses_do_not_lock_the_owner_out(client, case):
    # Five strangers, five wrong guesses each: every one of them is stopped, the villager still gets in.
    for n in range(5):
        for _ in range(throttle.CLIENT_LIMIT):
            track(client, case.number, WRONG, address=f"10.0.1.{n}")
        assert track(client, case.number, RIGHT, address=f"10.0.1.{n}").status_code == 200

    assert track(client, case.number, RIGHT, address="10.0.2.1").status_code == 302


def _lock_number(client, number):
    for n in range(throttle.NUMBER_LIMIT):
        track(client, number, WRONG, address=f"10.1.{n // 4}.{n % 4}")


def test_a_number_is_locked_only_after_far_more_failures_than_a_villager_makes(client, case):
    for n in range(throttle.NUMBER_LIMIT - 1):
        track(client, case.number, WRONG, address=f"10.1.{n // 4}.{n % 4}")
    assert throttle.NUMBER_LIMIT >= 20
    assert track(client, case.number, RIGHT, address="10.0.2.1").status_code == 302

    track(client, case.number, WRONG, address="10.0.3.1")
    locked = track(client, case.number, RIGHT, address="10.0.2.2")

    assert locked.status_code == 200
    assert "二维码" in str(locked.context["form"].non_field_errors()[0])


def test_a_wrong_guess_says_how_many_attempts_are_left(client, case):
    first = track(client, case.number, WRONG)
    second = track(client, case.number, WRONG)

    assert f"还可再试{throttle.CLIENT_LIMIT - 1}次" in first.content.decode()
    assert f"还可再试{throttle.CLIENT_LIMIT - 2}次" in second.content.decode()


def test_a_right_guess_gives_its_place_back(client, case):
    for _ in range(throttle.CLIENT_LIMIT - 1):
        track(client, case.number, WRONG)
    for _ in range(3):
        assert track(client, case.number, RIGHT).status_code == 302

    assert track(client, case.number, WRONG).status_code == 200
    assert track(client, case.number, RIGHT).status_code == 200  # now five wrong: blocked


def test_the_count_lives_in_the_database_after_migrate_alone(client, case):
    track(client, case.number, WRONG)

    assert GuessCounter.objects.filter(key="track:client:10.0.0.1", count=1).exists()


def test_the_client_window_ends_after_ten_minutes(client, case):
    for _ in range(throttle.CLIENT_LIMIT):
        track(client, case.number, WRONG)
    assert track(client, case.number, RIGHT).status_code == 200
    started = timezone.now() - throttle.CLIENT_WINDOW - dt.timedelta(seconds=1)
    GuessCounter.objects.filter(key="track:client:10.0.0.1").update(
        window_start=started, expires_at=started + throttle.CLIENT_WINDOW
    )

    assert track(client, case.number, RIGHT).status_code == 302


def test_a_blocked_number_does_not_block_other_cases(client, case, other_cadre, other_village, referral_matter):
    other = open_case(actor=other_cadre, matter=referral_matter, village=other_village, phone="13800005678")
    _lock_number(client, case.number)

    assert track(client, other.number, "5678", address="10.0.2.1").status_code == 302


@pytest.mark.parametrize("proxies", [0, 1])
def test_forged_forwarded_for_header_does_not_escape_the_client_limit(client, case, settings, proxies):
    """A client cannot reset its own count by putting a new address in front of X-Forwarded-For: our proxy appends
    the address it really saw, and that (or, with no proxy of ours, the socket peer) is the client."""
    settings.NUM_PROXIES = proxies
    proxy, real_client = "10.9.9.9", "203.0.113.7"
    for n in range(5):
        track(
            client,
            f"451425102-20200101-{n:04d}",
            RIGHT,
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {real_client}",
        )

    response = track(client, case.number, RIGHT, address=proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.99, {real_client}")

    assert response.status_code == 200


def test_behind_our_proxy_each_real_client_has_its_own_count(client, case, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.9.9.9"
    for n in range(5):
        track(client, f"451425102-20200101-{n:04d}", RIGHT, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")

    blocked = track(client, case.number, RIGHT, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = track(client, case.number, RIGHT, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert blocked.status_code == 200
    assert other.status_code == 302


def test_api_answers_429_after_five_wrong_guesses(client, case):
    statuses = [api(client, case.number, WRONG).status_code for _ in range(5)]

    response = api(client, case.number, RIGHT)

    assert statuses == [404] * 5
    assert response.status_code == 429
    assert case.matter.name not in response.content.decode()


def test_api_and_track_page_share_the_count(client, case):
    for _ in range(3):
        api(client, case.number, WRONG)
    for _ in range(2):
        track(client, case.number, WRONG)

    assert api(client, case.number, RIGHT).status_code == 429
    assert track(client, case.number, RIGHT).status_code == 200


def test_the_token_page_is_not_affected_by_the_number_throttle(client, case):
    _lock_number(client, case.number)

    assert track(client, case.number, RIGHT, address="10.0.2.1").status_code == 200
    assert client.get(f"/t/{case.token}/").status_code == 200


def test_throttle_refusals_are_logged_without_the_phone(client, case, caplog):
    with caplog.at_level("INFO", logger="jinjie.security"):
        for _ in range(throttle.CLIENT_LIMIT + 1):
            track(client, case.number, WRONG)

    lines = [r.getMessage() for r in caplog.records if r.name == "jinjie.security"]
    assert any(line.startswith("throttle ") and case.number in line and "client=10.0.0.1" in line for line in lines)
    assert not any(WRONG in line or RIGHT in line or APPLICANT_PHONE in line for line in lines)
