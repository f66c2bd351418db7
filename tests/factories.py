"""factory_boy factories. Organisation factories must be used inside a township's schema."""
import datetime as dt
import random

import factory
from django.contrib.auth import get_user_model

from accounts.models import Role, RoleAssignment
from tenants.organisation.models import Branch, Member, Village
from tenants.organisation.validators import id_number_check_digit

_rng = random.Random(20261123)


def make_id_number(*, birth_date: dt.date, sex: str, serial: int | None = None) -> str:
    """A valid GB 11643-1999 number for the given birth date and sex."""
    serial = _rng.randint(0, 99) if serial is None else serial % 100
    order_last = _rng.choice([1, 3, 5, 7, 9] if sex == "M" else [0, 2, 4, 6, 8])
    first17 = f"370102{birth_date:%Y%m%d}{serial:02d}{order_last}"
    return first17 + id_number_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pass-Word-123")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.TOWNSHIP_OFFICE


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    name = factory.Sequence(lambda n: f"第{n}村")
    code = factory.Sequence(lambda n: f"V{n:03d}")


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    name = factory.Sequence(lambda n: f"第{n}村党支部")
    kind = Branch.Kind.VILLAGE
    village = factory.SubFactory(VillageFactory)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Faker("name", locale="zh_CN")
    sex = factory.Iterator(["M", "F"])
    birth_date = factory.LazyFunction(lambda: dt.date(_rng.randint(1940, 2000), _rng.randint(1, 12), _rng.randint(1, 28)))
    id_number = factory.LazyAttributeSequence(lambda o, n: make_id_number(birth_date=o.birth_date, sex=o.sex, serial=n))
    joined_on = factory.LazyAttribute(lambda o: o.birth_date.replace(year=o.birth_date.year + 25))
    phone = "13800000000"
    branch = factory.SubFactory(BranchFactory)
