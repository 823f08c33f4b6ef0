"""Factories for devices tests."""

import itertools

import factory

from devices.models import Phone
from tests.factories import OrganisationFactory

_macs = itertools.count(0xA00000)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    organisation = factory.SubFactory(OrganisationFactory)
    mac = factory.LazyFunction(lambda: f"000413{next(_macs):06X}")
    model = "snom-725"
    description = factory.Sequence(lambda n: f"Phone {n}")
