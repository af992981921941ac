"""factory_boy factories for the hall's models. Every user's password is "pw"."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory
from stdnum.cn import ric

from cases import services
from cases.models import Case, Holiday, Material, Matter, RouteStep
from departments.models import Department, DepartmentMember
from villages.models import Hamlet, Town, TownStaff, Village, VillageCadre

PASSWORD = "pw"

TOWN_NAMES = ["进结镇", "向都镇", "龙茗镇", "华隆镇", "都康乡", "上映乡", "把荷乡", "东平镇"]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # set_password only changes the instance; store the hash.
        if create and results:
            instance.save(update_fields=["password"])


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town

    code = factory.Sequence(lambda n: f"451425{n:06d}")
    name = factory.Sequence(lambda n: TOWN_NAMES[n % len(TOWN_NAMES)] + ("" if n < len(TOWN_NAMES) else str(n)))
    county = "天等县"


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    code = factory.Sequence(lambda n: f"45142510{n:07d}")
    name = factory.Sequence(lambda n: f"样本{n}村")
    desk_order = factory.Sequence(lambda n: n % 100)
    is_sample = True


class HamletFactory(DjangoModelFactory):
    class Meta:
        model = Hamlet

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"样本{n}屯")


class VillageCadreFactory(DjangoModelFactory):
    class Meta:
        model = VillageCadre

    user = factory.SubFactory(UserFactory)
    village = factory.SubFactory(VillageFactory)
    title = VillageCadre.Title.MEMBER


class TownStaffFactory(DjangoModelFactory):
    class Meta:
        model = TownStaff

    user = factory.SubFactory(UserFactory, is_staff=True)
    town = factory.SubFactory(TownFactory)
    role = TownStaff.Role.OFFICE


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    level = Department.Level.TOWN
    town = factory.SubFactory(TownFactory)
    county = "天等县"
    desk_order = factory.Sequence(lambda n: n % 100)

    class Params:
        county_level = factory.Trait(level=Department.Level.COUNTY, town=None)


class CountyDepartmentFactory(DepartmentFactory):
    name = factory.Sequence(lambda n: f"县直部门{n}")
    county_level = True


class DepartmentMemberFactory(DjangoModelFactory):
    class Meta:
        model = DepartmentMember

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = DepartmentMember.Role.CLERK


class MatterFactory(DjangoModelFactory):
    class Meta:
        model = Matter

    town = factory.SubFactory(TownFactory)
    code = factory.Sequence(lambda n: f"matter-{n}")
    name = factory.Sequence(lambda n: f"事项{n}")
    category = Matter.Category.CERTIFICATE
    kind = Matter.Kind.PROMISED
    promised_days = 5
    county_mode = ""
    # A county step carries the county office's own time limit (cases.models.Matter.clean).
    county_time_limit_days = factory.LazyAttribute(lambda matter: 3 if matter.county_mode else 0)


class RouteStepFactory(DjangoModelFactory):
    class Meta:
        model = RouteStep

    matter = factory.SubFactory(MatterFactory)
    order = factory.Sequence(lambda n: n + 1)
    department = factory.SubFactory(DepartmentFactory, town=factory.SelfAttribute("..matter.town"))
    action = "审核"
    time_limit_days = 1


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    matter = factory.SubFactory(MatterFactory)
    order = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"材料{n}")
    copies = 1


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    kind = Holiday.Kind.HOLIDAY
    name = "节假日"


def id_number(*, area: str = "451425", birth: str = "20030515", serial: str = "123") -> str:
    """A GB 11643 number with the right check digit (stdnum's calc_check_digit wants the check place included)."""
    body = f"{area}{birth}{serial}"
    return body + ric.calc_check_digit(body + "0")


def route_matter(
    *,
    town,
    departments,
    county_mode: str = "",
    county_department=None,
    needs_village_certificate: bool = True,
    materials: tuple[str, ...] = ("户口簿", "身份证"),
    time_limit_days: int = 1,
    **kwargs,
) -> Matter:
    """A published matter whose route runs through `departments` in order, optionally ending at the county."""
    matter = MatterFactory(
        town=town,
        needs_village_certificate=needs_village_certificate,
        county_mode=county_mode,
        county_department=county_department if county_mode else None,
        county_time_limit_days=3 if county_mode else 0,
        **kwargs,
    )
    for order, department in enumerate(departments, start=1):
        RouteStepFactory(matter=matter, order=order, department=department, time_limit_days=time_limit_days)
    for order, name in enumerate(materials, start=1):
        MaterialFactory(matter=matter, order=order, name=name)
    return matter


APPLICANT_NAME = "赵国向"
APPLICANT_PHONE = "13907711234"
APPLICANT_ID = id_number()
APPLICANT_NOTES = "低保户，住院费用单据齐全"


def open_case(
    *,
    actor,
    matter: Matter,
    village,
    hamlet=None,
    name: str = APPLICANT_NAME,
    phone: str = APPLICANT_PHONE,
    id_no: str = APPLICANT_ID,
    notes: str = APPLICANT_NOTES,
    open_awaiting: bool = False,
    bring_all: bool = True,
    intake_department=None,
) -> Case:
    """A case opened through the real intake service (history, numbers and steps as in production)."""
    received = list(matter.materials.values_list("pk", flat=True)) if bring_all else []
    return services.case_intake(
        actor=actor,
        matter=matter,
        village=village,
        hamlet=hamlet,
        applicant=services.Applicant(name=name, id_number=id_no, phone=phone),
        notes=notes,
        received_material_ids=received,
        open_awaiting=open_awaiting,
        intake_department=intake_department,
    )


def reload(case: Case) -> Case:
    return Case.objects.select_related("current_step").get(pk=case.pk)


def stamp(case: Case, cadre) -> Case:
    return services.case_stamp(actor=cadre, case_id=case.pk, seal_confirmed=True)


def complete(case: Case, clerk, outcome: str = "审核通过") -> Case:
    return services.step_complete(actor=clerk, case_id=case.pk, outcome=outcome)


# --- market days, the duty roster, sign-in and consultations (issue 4) ------------------------------------------
# Models by label and choices by value, so this block needs no import of its own.


class MarketScheduleFactory(DjangoModelFactory):
    """A fixed cycle by default; `solar=True` or `lunar=True` for 逢1、4、7."""

    class Meta:
        model = "villages.MarketSchedule"

    town = factory.SubFactory(TownFactory)
    kind = "cycle"
    cycle_days = 3
    anchor_date = dt.date(2025, 1, 1)
    digits = ""
    valid_from = dt.date(2025, 1, 1)
    valid_until = None

    class Params:
        solar = factory.Trait(kind="solar", cycle_days=None, anchor_date=None, digits="1,4,7")
        lunar = factory.Trait(kind="lunar", cycle_days=None, anchor_date=None, digits="1,4,7")


class MarketDayFactory(DjangoModelFactory):
    class Meta:
        model = "villages.MarketDay"

    town = factory.SubFactory(TownFactory)
    date = factory.Sequence(lambda n: dt.date(2031, 1, 1) + dt.timedelta(days=3 * n))
    source = "rule"
    is_cancelled = False


class DutyShiftFactory(DjangoModelFactory):
    """One village desk on one market day; unassigned unless `cadre` is given."""

    class Meta:
        model = "villages.DutyShift"

    market_day = factory.SubFactory(MarketDayFactory)
    village = factory.SubFactory(VillageFactory, town=factory.SelfAttribute("..market_day.town"))
    cadre = None


class ConsultationFactory(DjangoModelFactory):
    class Meta:
        model = "villages.Consultation"

    town = factory.SubFactory(TownFactory)
    village = None
    topic = "other"
    people = 1
    recorded_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    recorded_by = factory.SubFactory(UserFactory)


# --- refusals by kind (STYLE.md: tests assert the code) ---------------------------------------------------------
# Imported here, not at the top, so that this block stays apart from the factories above.

from contextlib import contextmanager  # noqa: E402

import pytest  # noqa: E402


@contextmanager
def refused(code: str):
    """A refusal of this kind (`CaseError.code`): a refusal for another reason fails the test."""
    with pytest.raises(services.CaseError) as caught:
        yield caught
    assert caught.value.code == code, f"refused as {caught.value.code!r} ({caught.value}), expected {code!r}"
