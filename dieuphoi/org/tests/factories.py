import datetime

import factory

from dieuphoi.accounts.models import User
from dieuphoi.org.models import (
    AdministrativeUnit,
    Agency,
    Body,
    BodyAgency,
    Membership,
    Region,
    RegionMembership,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    password = factory.django.Password("mat-khau-thu-nghiem-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    key = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")
    kind = AdministrativeUnit.Kind.PROVINCE
    valid_from = datetime.date(2022, 8, 22)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("key",)

    key = "vung-thu-do"
    name = "Vùng Thủ đô"


class RegionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionMembership

    region = factory.SubFactory(RegionFactory)
    unit = factory.SubFactory(UnitFactory)
    valid_from = datetime.date(2022, 8, 22)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"AG{n}")
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm {n}")
    kind = Agency.Kind.DEPARTMENT
    valid_from = datetime.date(2022, 1, 1)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    key = factory.Sequence(lambda n: f"body-{n}")
    name = factory.Sequence(lambda n: f"Tổ điều phối {n}")
    kind = Body.Kind.TEAM
    valid_from = datetime.date(2022, 12, 1)


class BodyAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyAgency

    body = factory.SubFactory(BodyFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = BodyAgency.Role.MEMBER
    valid_from = datetime.date(2022, 12, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    body = factory.SubFactory(BodyFactory)
    role = Membership.Role.MEMBER
    agency = factory.SubFactory(AgencyFactory)
    valid_from = datetime.date(2022, 12, 1)
