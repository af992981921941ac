"""The 947 sign-in at the village desk: attendance at the boundaries, refusals, stand-ins, corrections (issue 4.3)."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tests.factories import DutyShiftFactory, MarketDayFactory, VillageCadreFactory
from tests.villages.clock import DAY, at, frozen
from villages.models import DutyShift, ShiftCorrection
from villages.services import VillageError, shift_correct, shift_sign_in, shift_sign_out

pytestmark = pytest.mark.django_db

A = DutyShift.Attendance
NEXT_DAY = DAY + dt.timedelta(days=1)
SIGN_IN = "/desk/sign-in/"
SIGN_OUT = "/desk/sign-out/"


def refused(message: str):
    return pytest.raises(VillageError, match=re.escape(_(message)))


def sign_in(shift, actor, moment, *, seal: bool = True) -> DutyShift:
    with frozen(moment):
        return shift_sign_in(actor=actor, shift_id=shift.pk, seal_carried=seal)


def sign_out(shift, actor, moment) -> DutyShift:
    with frozen(moment):
        return shift_sign_out(actor=actor, shift_id=shift.pk)


def attendance(shift, town, now) -> str:
    shift = DutyShift.objects.select_related("market_day").get(pk=shift.pk)
    return shift.attendance(town=town, now=now)


def unchanged(shift) -> tuple:
    shift = DutyShift.objects.get(pk=shift.pk)
    return (shift.cadre_id, shift.substitute_id, shift.signed_in_at, shift.signed_out_at, shift.seal_carried)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- attendance at the boundaries (default 947: in by 09:00, out from 16:00) -------------------------------------


@pytest.mark.parametrize(
    ("signed_in", "expected"),
    [((8, 59, 59), A.ON_TIME), ((9, 0, 0), A.ON_TIME), ((9, 0, 1), A.LATE)],
    ids=["08:59:59", "09:00:00", "09:00:01"],
)
def test_sign_in_time_decides_lateness(shift, cadre, town, signed_in, expected):
    sign_in(shift, cadre, at(*signed_in))
    sign_out(shift, cadre, at(16, 30))

    assert attendance(shift, town, at(18)) == expected


@pytest.mark.parametrize(
    ("signed_out", "expected"),
    [((15, 59, 59), A.EARLY), ((16, 0, 0), A.ON_TIME), ((16, 0, 1), A.ON_TIME)],
    ids=["15:59:59", "16:00:00", "16:00:01"],
)
def test_sign_out_time_decides_early_leave(shift, cadre, town, signed_out, expected):
    sign_in(shift, cadre, at(8, 30))
    sign_out(shift, cadre, at(*signed_out))

    assert attendance(shift, town, at(18)) == expected


def test_late_and_early_together(shift, cadre, town):
    sign_in(shift, cadre, at(9, 30))
    sign_out(shift, cadre, at(15))

    assert attendance(shift, town, at(18)) == A.LATE_EARLY


def test_sign_in_shown_as_09_00_00_is_on_time(shift, cadre, town):
    sign_in(shift, cadre, at(9, 0, 0, 400_000))
    sign_out(shift, cadre, at(16))

    assert attendance(shift, town, at(18)) == A.ON_TIME


def test_no_sign_in_is_upcoming_on_the_day_and_absent_after_it(shift, town):
    assert attendance(shift, town, at(23, 59, 59)) == A.UPCOMING
    assert attendance(shift, town, at(0, 0, 0, day=NEXT_DAY)) == A.ABSENT


def test_signed_in_and_still_at_the_desk_is_on_duty_or_late(shift, cadre, town, market_day, other_village):
    sign_in(shift, cadre, at(8, 50))
    late = DutyShiftFactory(market_day=market_day, village=other_village)
    late_cadre = VillageCadreFactory(village=other_village).user
    sign_in(late, late_cadre, at(9, 10))

    assert attendance(shift, town, at(12)) == A.ON_DUTY
    assert attendance(late, town, at(12)) == A.LATE


def test_never_signing_out_is_not_signed_out_once_the_day_is_over_not_leaving_early(shift, cadre, town):
    """Issue 11 point 5: 未签退 is not 早退."""
    sign_in(shift, cadre, at(8, 50))

    assert attendance(shift, town, at(17)) == A.ON_DUTY
    assert attendance(shift, town, at(8, day=NEXT_DAY)) == A.NOT_SIGNED_OUT


def test_late_and_never_signing_out(shift, cadre, town):
    sign_in(shift, cadre, at(9, 20))

    assert attendance(shift, town, at(8, day=NEXT_DAY)) == A.LATE_NOT_SIGNED_OUT


def test_the_towns_own_times_change_the_judgement(shift, cadre, town):
    sign_in(shift, cadre, at(8, 45))
    sign_out(shift, cadre, at(16, 30))
    assert attendance(shift, town, at(18)) == A.ON_TIME

    town.sign_in_by = dt.time(8, 30)
    town.sign_out_from = dt.time(17, 0)
    town.save()

    assert attendance(shift, town, at(18)) == A.LATE_EARLY


def test_the_towns_own_sign_in_time_at_its_boundary(shift, cadre, town):
    town.sign_in_by = dt.time(8, 30)
    town.save()
    sign_in(shift, cadre, at(8, 30, 0))
    sign_out(shift, cadre, at(16))

    assert attendance(shift, town, at(18)) == A.ON_TIME


# --- signing in and out ------------------------------------------------------------------------------------------


def test_cadre_signs_in_with_the_seal_and_out_on_the_day(shift, cadre):
    sign_in(shift, cadre, at(8, 55))
    sign_out(shift, cadre, at(16, 5))

    shift.refresh_from_db()
    assert (shift.signed_in_at, shift.signed_out_at) == (at(8, 55), at(16, 5))
    assert shift.seal_carried
    assert shift.substitute is None


def test_sign_in_is_refused_without_the_seal(shift, cadre):
    before = unchanged(shift)

    with refused("Confirm that you carry the village committee seal."):
        sign_in(shift, cadre, at(8, 55), seal=False)

    assert unchanged(shift) == before


def test_cadre_of_another_village_may_not_sign_in(shift, other_cadre):
    before = unchanged(shift)

    with refused("This is not your village's desk."):
        sign_in(shift, other_cadre, at(8, 55))

    assert unchanged(shift) == before


@pytest.mark.parametrize("role", ["clerk", "town_office", "supervisor"])
def test_staff_who_are_no_cadres_may_not_sign_in(request, shift, role):
    before = unchanged(shift)

    with refused("This is not your village's desk."):
        sign_in(shift, request.getfixturevalue(role), at(8, 55))

    assert unchanged(shift) == before


@pytest.mark.parametrize("moment", [at(8, 55, day=DAY - dt.timedelta(days=1)), at(8, 55, day=NEXT_DAY)])
def test_sign_in_is_refused_on_another_day(shift, cadre, moment):
    before = unchanged(shift)

    with refused("You can only sign in on the market day itself."):
        sign_in(shift, cadre, moment)

    assert unchanged(shift) == before


def test_second_sign_in_is_refused_and_keeps_the_first_time(shift, cadre):
    sign_in(shift, cadre, at(8, 55))

    with refused("This desk is already signed in."):
        sign_in(shift, cadre, at(9, 30))

    shift.refresh_from_db()
    assert shift.signed_in_at == at(8, 55)


def test_sign_in_on_a_cancelled_market_day_is_refused(shift, cadre, market_day):
    market_day.is_cancelled = True
    market_day.save()

    with refused("This market day is cancelled."):
        sign_in(shift, cadre, at(8, 55))

    assert unchanged(shift)[2] is None


def test_sign_out_before_sign_in_is_refused(shift, cadre):
    with refused("Sign in first."):
        sign_out(shift, cadre, at(16))

    assert unchanged(shift)[3] is None


def test_second_sign_out_is_refused_and_keeps_the_first_time(shift, cadre):
    sign_in(shift, cadre, at(8, 55))
    sign_out(shift, cadre, at(16))

    with refused("This desk is already signed out."):
        sign_out(shift, cadre, at(17))

    shift.refresh_from_db()
    assert shift.signed_out_at == at(16)


@pytest.mark.parametrize("who", ["second_cadre", "other_cadre", "town_office"])
def test_only_the_cadre_who_signed_in_may_sign_out(request, shift, cadre, who):
    sign_in(shift, cadre, at(8, 55))

    with refused("Only the cadre who signed in may sign out."):
        sign_out(shift, request.getfixturevalue(who), at(16))

    assert unchanged(shift)[3] is None


def test_sign_out_the_next_day_is_refused(shift, cadre):
    sign_in(shift, cadre, at(8, 55))

    with refused("You can only sign out on the market day itself; ask the town office to correct it."):
        sign_out(shift, cadre, at(8, day=NEXT_DAY))

    assert unchanged(shift)[3] is None


# --- standing in -------------------------------------------------------------------------------------------------


def test_another_cadre_of_the_village_stands_in_for_an_unassigned_desk(market_day, village, second_cadre):
    shift = DutyShiftFactory(market_day=market_day, village=village, cadre=None)

    sign_in(shift, second_cadre, at(8, 40))
    sign_out(shift, second_cadre, at(16, 10))

    shift.refresh_from_db()
    assert shift.cadre is None
    assert shift.substitute == second_cadre
    assert shift.on_duty_user == second_cadre
    assert shift.signed_out_at == at(16, 10)


def test_another_cadre_stands_in_when_the_assigned_cadre_has_not_come(shift, cadre, second_cadre):
    sign_in(shift, second_cadre, at(9, 5))

    with refused("This desk is already signed in."):
        sign_in(shift, cadre, at(9, 20))
    with refused("Only the cadre who signed in may sign out."):
        sign_out(shift, cadre, at(16))

    shift.refresh_from_db()
    assert (shift.cadre, shift.substitute) == (cadre, second_cadre)
    assert shift.signed_in_at == at(9, 5)


def test_assigned_cadre_signing_in_is_no_substitute(shift, cadre):
    sign_in(shift, cadre, at(8, 55))

    shift.refresh_from_db()
    assert shift.substitute is None
    assert shift.on_duty_user == cadre


# --- through the real pages --------------------------------------------------------------------------------------


def test_cadre_signs_in_and_out_through_the_desk(client_for, shift, cadre):
    with frozen(at(8, 59, 59)):
        signed_in = client_for(cadre).post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})
    # Hours later the idle session has ended (SESSION_IDLE_SECONDS): the cadre logs in again.
    with frozen(at(16)):
        signed_out = client_for(cadre).post(SIGN_OUT, {"shift": shift.pk})

    assert (signed_in.status_code, signed_in["Location"]) == (302, "/desk/")
    assert messages_of(signed_in) == [_("Signed in at %(time)s.") % {"time": "08:59:59"}]
    assert messages_of(signed_out)[-1] == _("Signed out at %(time)s.") % {"time": "16:00:00"}
    shift.refresh_from_db()
    assert (shift.signed_in_at, shift.signed_out_at) == (at(8, 59, 59), at(16))


def test_desk_offers_todays_sign_in_and_a_stand_in_to_another_cadre(client_for, today_is, shift, second_cadre):
    today_is(at(8, 30))

    response = client_for(second_cadre).get("/desk/")

    assert response.context["shifts"] == [shift]
    content = response.content.decode()
    assert f'action="{SIGN_IN}"' in content
    assert _("Sign in as stand-in") in content


def test_stand_in_through_the_desk_is_recorded_as_substitute(client_for, shift, cadre, second_cadre):
    with frozen(at(9, 10)):
        response = client_for(second_cadre).post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})

    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.cadre, shift.substitute, shift.signed_in_at) == (cadre, second_cadre, at(9, 10))


def test_page_sign_in_without_the_seal_changes_nothing(client_for, shift, cadre):
    before = unchanged(shift)

    with frozen(at(8, 55)):
        response = client_for(cadre).post(SIGN_IN, {"shift": shift.pk})

    assert response.status_code == 302
    assert messages_of(response) == [_("Confirm that you carry the village committee seal.")]
    assert unchanged(shift) == before


def test_page_sign_in_by_another_villages_cadre_shows_the_refusal(client_for, shift, other_cadre):
    before = unchanged(shift)

    with frozen(at(8, 55)):
        response = client_for(other_cadre).post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})

    assert response.status_code == 302
    assert messages_of(response) == [_("This is not your village's desk.")]
    assert unchanged(shift) == before


def test_page_double_click_signs_in_once(client_for, shift, cadre):
    client = client_for(cadre)

    with frozen(at(8, 55)):
        client.post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})
    with frozen(at(8, 55, 1)):
        second = client.post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})

    assert messages_of(second)[-1] == _("This desk is already signed in.")
    shift.refresh_from_db()
    assert shift.signed_in_at == at(8, 55)


def test_page_sign_in_on_another_day_shows_the_refusal(client_for, shift, cadre):
    with frozen(at(8, 55, day=NEXT_DAY)):
        response = client_for(cadre).post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})

    assert messages_of(response) == [_("You can only sign in on the market day itself.")]
    assert unchanged(shift)[2] is None


def test_page_sign_out_before_sign_in_and_by_someone_else_show_refusals(client_for, shift, cadre, second_cadre):
    with frozen(at(16)):
        early = client_for(cadre).post(SIGN_OUT, {"shift": shift.pk})
    sign_in(shift, cadre, at(8, 55))
    with frozen(at(16)):
        stranger = client_for(second_cadre).post(SIGN_OUT, {"shift": shift.pk})

    assert messages_of(early) == [_("Sign in first.")]
    assert messages_of(stranger)[-1] == _("Only the cadre who signed in may sign out.")
    assert unchanged(shift)[3] is None


def test_page_sign_in_of_an_unknown_shift_is_404(client_for, cadre, shift):
    response = client_for(cadre).post(SIGN_IN, {"shift": shift.pk + 1000, "seal_carried": "on"})

    assert response.status_code == 404


@pytest.mark.parametrize("url", [SIGN_IN, SIGN_OUT])
def test_sign_in_pages_take_no_get(client_for, cadre, url):
    assert client_for(cadre).get(url).status_code == 405


def test_anonymous_sign_in_is_sent_to_log_in(client, shift):
    response = client.post(SIGN_IN, {"shift": shift.pk, "seal_carried": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert unchanged(shift)[2] is None


# --- corrections by the town office ------------------------------------------------------------------------------


def test_office_corrects_a_record_and_the_old_values_are_kept(shift, cadre, town_office):
    sign_in(shift, cadre, at(9, 20))
    sign_out(shift, cadre, at(15, 30))

    with frozen(at(17)):
        correction = shift_correct(
            actor=town_office, shift_id=shift.pk, signed_in_at=at(8, 50), signed_out_at=at(16, 5), reason=" 停电 "
        )

    shift.refresh_from_db()
    assert (shift.signed_in_at, shift.signed_out_at, shift.is_corrected) == (at(8, 50), at(16, 5), True)
    assert (correction.old_signed_in_at, correction.new_signed_in_at) == (at(9, 20), at(8, 50))
    assert (correction.old_signed_out_at, correction.new_signed_out_at) == (at(15, 30), at(16, 5))
    assert (correction.reason, correction.corrected_by, correction.corrected_at) == ("停电", town_office, at(17))
    assert attendance(shift, shift.market_day.town, at(18)) == A.ON_TIME


@pytest.mark.parametrize("reason", ["", "  "])
def test_correction_needs_a_reason(shift, town_office, reason):
    with refused("A reason is required to correct a record."):
        shift_correct(actor=town_office, shift_id=shift.pk, signed_in_at=at(8, 50), signed_out_at=None, reason=reason)

    assert not ShiftCorrection.objects.exists()
    assert not DutyShift.objects.get(pk=shift.pk).is_corrected


@pytest.mark.parametrize("role", ["supervisor", "cadre", "clerk"])
def test_only_the_town_office_corrects(request, shift, role):
    with refused("Only the town office may do this."):
        shift_correct(
            actor=request.getfixturevalue(role), shift_id=shift.pk, signed_in_at=at(8), signed_out_at=None, reason="x"
        )

    assert not ShiftCorrection.objects.exists()
    assert unchanged(shift)[2] is None


def test_correction_refuses_times_in_the_wrong_order_or_on_another_day(shift, town_office):
    with refused("The sign-out time must be after the sign-in time."):
        shift_correct(actor=town_office, shift_id=shift.pk, signed_in_at=at(16), signed_out_at=at(9), reason="x")
    with refused("The sign-out time must be after the sign-in time."):
        shift_correct(actor=town_office, shift_id=shift.pk, signed_in_at=None, signed_out_at=at(16), reason="x")
    with refused("The corrected times must be on the market day itself."):
        shift_correct(
            actor=town_office, shift_id=shift.pk, signed_in_at=at(9, day=NEXT_DAY), signed_out_at=None, reason="x"
        )

    assert not ShiftCorrection.objects.exists()


def test_office_corrects_through_the_shift_page_and_the_correction_stays_visible(
    client_for, shift, cadre, town_office, supervisor
):
    sign_in(shift, cadre, at(9, 20))
    url = f"/roster/shift/{shift.pk}/"

    with frozen(at(17)):
        response = client_for(town_office).post(
            url, {"signed_in": "08:55:00", "signed_out": "16:02:00", "reason": "签到机故障，有监控为证"}
        )

    assert (response.status_code, response["Location"]) == (302, url)
    shift.refresh_from_db()
    assert (shift.signed_in_at, shift.signed_out_at, shift.is_corrected) == (at(8, 55), at(16, 2), True)
    page = client_for(supervisor).get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "签到机故障，有监控为证" in content
    assert "09:20:00 → 08:55:00" in content
    assert "— → 16:02:00" in content
    assert list(page.context["shift"].corrections.all()) == [ShiftCorrection.objects.get()]


def test_correction_shows_on_the_roster(client_for, today_is, shift, cadre, town_office):
    today_is(at(8))
    sign_in(shift, cadre, at(9, 20))
    with frozen(at(17)):
        shift_correct(actor=town_office, shift_id=shift.pk, signed_in_at=at(8, 55), signed_out_at=None, reason="x")

    content = client_for(town_office).get("/roster/").content.decode()

    assert _("corrected") in content


def test_supervisor_may_read_but_not_post_a_correction(client_for, shift, cadre, supervisor):
    sign_in(shift, cadre, at(9, 20))
    client = client_for(supervisor)
    url = f"/roster/shift/{shift.pk}/"

    page = client.get(url)
    posted = client.post(url, {"signed_in": "08:55:00", "signed_out": "", "reason": "x"})

    assert page.status_code == 200
    assert 'name="reason"' not in page.content.decode()
    assert posted.status_code == 403
    assert not ShiftCorrection.objects.exists()
    assert unchanged(shift)[2] == at(9, 20)


def test_correction_without_a_reason_re_renders_the_form(client_for, shift, town_office):
    response = client_for(town_office).post(f"/roster/shift/{shift.pk}/", {"signed_in": "08:55:00", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not ShiftCorrection.objects.exists()


@pytest.mark.parametrize("role", ["cadre", "clerk"])
def test_shift_page_is_403_for_cadres_and_clerks(client_for, request, shift, role):
    assert client_for(request.getfixturevalue(role)).get(f"/roster/shift/{shift.pk}/").status_code == 403


def test_shift_page_of_another_town_is_404(client_for, town_office):
    foreign = DutyShiftFactory()

    assert client_for(town_office).get(f"/roster/shift/{foreign.pk}/").status_code == 404


# --- the database ------------------------------------------------------------------------------------------------


def test_database_refuses_two_shifts_for_one_village_on_one_market_day(shift, market_day, village, second_cadre):
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShiftFactory(market_day=market_day, village=village, cadre=second_cadre)


def test_one_village_has_a_shift_on_each_market_day_and_villages_share_a_day(shift, town, village, other_village):
    DutyShiftFactory(market_day=MarketDayFactory(town=town, date=NEXT_DAY), village=village)
    DutyShiftFactory(market_day=shift.market_day, village=other_village)

    assert DutyShift.objects.count() == 3


def test_database_refuses_a_sign_out_before_the_sign_in(market_day, village):
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShiftFactory(market_day=market_day, village=village, signed_in_at=at(10), signed_out_at=at(9, 59, 59))


def test_database_refuses_a_sign_out_without_a_sign_in(market_day, village):
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShiftFactory(market_day=market_day, village=village, signed_out_at=at(16))


def test_database_refuses_an_update_that_puts_the_sign_out_first(shift, cadre):
    sign_in(shift, cadre, at(9))

    with pytest.raises(IntegrityError), transaction.atomic():
        DutyShift.objects.filter(pk=shift.pk).update(signed_out_at=at(8))
