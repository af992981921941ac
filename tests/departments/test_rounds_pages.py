"""The county officer's pages (/county/…): the board across the county's towns and the visit form; every refusal
comes back as a page, never a 500, and the officer sees nothing of another department or another county."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from departments.models import VisitRound
from tests.departments.test_rounds import build_county, plan
from tests.factories import UserFactory

BOARD = "/county/"
NEW = "/county/rounds/new/"


@pytest.fixture
def county(db):
    return build_county()


def _form(county, *, town=None, day=None, staff=None, version=None, note="带公章"):
    data = {
        "department": county.department.pk,
        "town": (town or county.a).pk,
        "date": (day or county.day_a).isoformat(),
        "staff": [u.pk for u in (staff if staff is not None else [county.officer])],
        "note": note,
    }
    if version is not None:
        data["version"] = version
    return data


def test_urls_are_namespaced_under_county():
    assert reverse("departments:county") == BOARD
    assert reverse("departments:round_new") == NEW


def test_board_lists_both_towns_appointments_masked_and_flags_the_unplanned_days(county, client_for):
    response = client_for(county.officer).get(BOARD)

    content = response.content.decode()
    assert response.status_code == 200
    for key in ("a_booked", "a_referred", "b_booked"):
        assert county.cases[key].number in content
    assert "黄**" in content and "黄必刘" not in content
    for key in ("b_other_department", "c_far"):
        assert county.cases[key].number not in content
    assert "都安镇" not in content  # another county's town
    assert response.context["board"].unplanned_days == 2
    assert content.count("badge badge-overdue fs-6") == 2


def test_board_of_another_department_is_not_found(county, client_for):
    response = client_for(county.officer).get(BOARD, {"department": county.other_department.pk})

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["clerk_a", "nobody"])
def test_board_refuses_who_is_not_a_county_officer(county, client_for, who):
    user = UserFactory() if who == "nobody" else getattr(county, who)

    assert client_for(user).get(BOARD).status_code == 403
    assert client_for(user).get(NEW).status_code == 403


def test_board_needs_a_login(county, client):
    response = client.get(BOARD)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_past_days_page_lists_an_earlier_link(county, client_for):
    response = client_for(county.officer).get(BOARD, {"past": "1"})

    assert response.status_code == 200
    assert "until=" in response.context["earlier_url"]


@pytest.mark.parametrize("until", ["2026-13-45", "x", "9999-12-31", ""])
def test_past_days_page_ignores_a_bad_until(county, client_for, until):
    response = client_for(county.officer).get(BOARD, {"past": "1", "until": until})

    assert response.status_code == 200
    assert response.context["board"].end <= timezone.localdate()


def test_menu_links_the_board_for_county_officers(county, client_for):
    content = client_for(county.officer).get(reverse("cases:appointments")).content.decode()

    assert f'href="{BOARD}"' in content


def test_new_form_is_prefilled_from_the_flagged_day(county, client_for):
    response = client_for(county.officer).get(
        NEW, {"department": county.department.pk, "town": county.b.pk, "date": county.day_b.isoformat()}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["town"], form.initial["date"]) == (county.b.pk, county.day_b)
    assert set(form.fields["town"].queryset) == {county.a, county.b}
    assert {int(pk) for pk, _ in form.fields["staff"].choices} == {county.officer.pk, county.colleague.pk}


@pytest.mark.parametrize("town, date", [("x", "2026-13-40"), ("99999999999", "x"), ("", "")])
def test_new_form_ignores_bad_query_values(county, client_for, town, date):
    response = client_for(county.officer).get(NEW, {"town": town, "date": date})

    assert response.status_code == 200


def test_officer_plans_a_visit_through_the_form(county, client_for):
    response = client_for(county.officer).post(NEW, _form(county, staff=[county.officer, county.colleague]))

    assert response.status_code == 302
    visit = VisitRound.objects.get()
    assert (visit.town, visit.date, set(visit.staff.all())) == (
        county.a,
        county.day_a,
        {county.officer, county.colleague},
    )
    board = client_for(county.officer).get(response["Location"])
    assert board.context["board"].unplanned_days == 1


def test_a_day_that_is_not_a_market_day_comes_back_with_the_chinese_message(county, client_for):
    response = client_for(county.officer).post(NEW, _form(county, town=county.b, day=county.day_a))

    day = county.day_a
    assert response.status_code == 200
    assert f"{day.year}年{day.month}月{day.day}日" in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert not VisitRound.objects.exists()


def test_double_submit_plans_one_visit_and_says_why(county, client_for):
    client = client_for(county.officer)
    client.post(NEW, _form(county))

    response = client.post(NEW, _form(county))

    assert response.status_code == 409
    assert "华隆镇" in str(response.context["form"].non_field_errors())
    assert VisitRound.objects.count() == 1


def test_another_countys_town_or_a_stranger_to_send_is_refused_by_the_form(county, client_for):
    client = client_for(county.officer)

    far = client.post(NEW, _form(county, town=county.c))
    stranger = client.post(NEW, _form(county, staff=[county.other_officer]))

    assert far.status_code == 200 and far.context["form"].errors["town"]
    assert stranger.status_code == 200 and stranger.context["form"].errors["staff"]
    assert not VisitRound.objects.exists()


def test_posting_for_another_department_is_not_found(county, client_for):
    data = {**_form(county), "department": county.other_department.pk}

    assert client_for(county.officer).post(NEW, data).status_code == 404
    assert not VisitRound.objects.exists()


def test_officer_changes_a_visit_and_a_stale_form_is_refused(county, client_for):
    visit = plan(county)
    client = client_for(county.officer)
    url = reverse("departments:round_edit", args=[visit.pk])

    page = client.get(url)
    first = client.post(url, _form(county, staff=[county.colleague], version=1, note="第一次"))
    stale = client.post(url, _form(county, version=1, note="第二次"))

    assert page.status_code == 200 and page.context["form"].initial["version"] == 1
    assert first.status_code == 302
    assert stale.status_code == 409
    visit.refresh_from_db()
    assert (visit.note, visit.version, list(visit.staff.all())) == ("第一次", 2, [county.colleague])


@pytest.mark.parametrize("who", ["other_officer", "far_officer"])
def test_another_departments_officer_gets_404_on_the_visit(county, client_for, who):
    visit = plan(county)
    client = client_for(getattr(county, who))

    edit = client.get(reverse("departments:round_edit", args=[visit.pk]))
    post = client.post(reverse("departments:round_edit", args=[visit.pk]), _form(county, version=1, note="改"))
    cancel = client.post(reverse("departments:round_cancel", args=[visit.pk]), {"version": 1})

    assert (edit.status_code, post.status_code, cancel.status_code) == (404, 404, 404)
    visit.refresh_from_db()
    assert visit.is_planned and visit.note == "带公章"


def test_officer_cancels_a_visit_and_a_second_click_is_refused(county, client_for):
    visit = plan(county)
    client = client_for(county.officer)
    url = reverse("departments:round_cancel", args=[visit.pk])

    first = client.post(url, {"version": 1, "reason": "会议冲突"}, follow=True)
    second = client.post(url, {"version": 1}, follow=True)

    visit.refresh_from_db()
    assert visit.state == "cancelled" and visit.cancel_reason == "会议冲突"
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    assert [m.level_tag for m in second.context["messages"]] == ["danger"]


def test_cancel_without_a_version_is_refused(county, client_for):
    visit = plan(county)

    response = client_for(county.officer).post(reverse("departments:round_cancel", args=[visit.pk]), {}, follow=True)

    visit.refresh_from_db()
    assert visit.is_planned
    assert [m.level_tag for m in response.context["messages"]] == ["danger"]


def test_cancel_is_post_only(county, client_for):
    visit = plan(county)

    assert client_for(county.officer).get(reverse("departments:round_cancel", args=[visit.pk])).status_code == 405


def test_board_page_costs_the_same_queries_with_few_or_many_rows(county, client_for, django_assert_max_num_queries):
    client = client_for(county.officer)
    plan(county)
    client.get(BOARD)
    with django_assert_max_num_queries(30) as few:
        client.get(BOARD)
    for n in range(1, 4):
        day = county.day_a + dt.timedelta(days=3 * n)
        plan(county, day=day, staff=[county.officer, county.colleague])
    with django_assert_max_num_queries(30) as many:
        client.get(BOARD)

    assert len(many) == len(few)


def test_the_chinese_for_every_new_message_is_pending_for_the_catalogue():
    import json
    from pathlib import Path

    from django.conf import settings

    pending = json.loads((Path(settings.BASE_DIR) / "locale" / "pending" / "rounds.json").read_text())
    for msgid in (
        "%(date)s is not a market day of %(town)s; choose one of its market days.",
        "A visit to %(town)s on %(date)s is already planned.",
        "This visit was changed meanwhile; look at it again and repeat your change.",
    ):
        assert pending.get(msgid), msgid


def test_today_is_the_local_day(county):
    assert county.day_a > timezone.localdate()


def test_an_officer_of_two_departments_switches_between_them(county, client_for):
    from departments.models import DepartmentMember
    from tests.factories import DepartmentMemberFactory

    DepartmentMemberFactory(
        department=county.other_department, user=county.officer, role=DepartmentMember.Role.COUNTY_OFFICER
    )
    client = client_for(county.officer)

    first = client.get(BOARD)
    other = client.get(BOARD, {"department": county.other_department.pk})

    assert set(first.context["departments"]) == {county.department, county.other_department}
    assert county.cases["b_other_department"].number in other.content.decode()
    assert county.cases["a_booked"].number not in other.content.decode()
