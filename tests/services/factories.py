"""Factories for services models (kept here to avoid edit clashes in tests/factories.py)."""

import factory

from services.conversions import signature
from services.models import ContactNumber, ExternalContact, MandatoryContact, NumberConversion
from tests.factories import OrganisationFactory, UserFactory


class ExternalContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalContact
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    company = "ipvision A/S"
    first_name = factory.Sequence(lambda n: f"Contact{n}")
    last_name = "Jensen"
    contact_type = ExternalContact.ContactType.CONTACT

    @factory.post_generation
    def number(self, create, extracted, **kwargs):
        if create:
            ContactNumber.objects.create(contact=self, number=extracted or f"+45888800{self.pk % 100:02d}", is_preferred=True)


class NumberConversionFactory(factory.django.DjangoModelFactory):
    """A rule "7 + 2 digits → +45888877" (765 → +4588887765) at organisation level."""

    class Meta:
        model = NumberConversion

    organisation = factory.SubFactory(OrganisationFactory)
    prefix = "7"
    digits = 2
    intervals = factory.LazyFunction(list)
    rewrite = "+45888877"
    signature = factory.LazyAttribute(lambda o: signature(o.prefix, o.digits, o.intervals))


class MandatoryContactFactory(factory.django.DjangoModelFactory):
    """A user of the organisation as an organisation-wide mandatory contact (a row names a user or
    a function number's registry number, never neither)."""

    class Meta:
        model = MandatoryContact

    organisation = factory.SubFactory(OrganisationFactory)
    contact_user = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..organisation"))
