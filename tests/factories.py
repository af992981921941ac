"""factory_boy factories for the hall's models. Every user's password is "pw"."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from cases.models import Material, Matter, RouteStep
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
