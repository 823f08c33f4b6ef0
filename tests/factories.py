"""factory_boy factories shared by the whole suite. Apps add their own below their section."""

import factory
from django.contrib.auth import get_user_model

from customers.models import GroupMembership, Licence, Organisation, UserGroup

User = get_user_model()
PASSWORD = "connect-test-pw"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"org{n}")


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Licence {n}")


class UserGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserGroup

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")

    @factory.lazy_attribute
    def priority(self):
        last = UserGroup.objects.filter(organisation=self.organisation).order_by("-priority").first()
        return (last.priority + 1) if last else 1


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    username = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    language = "en"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for group in extracted:
                GroupMembership.objects.create(user=self, group=group)


class OrgAdminFactory(UserFactory):
    admin_profile = User.AdminProfile.ORG_ADMIN


class SupportFactory(UserFactory):
    organisation = None
    is_staff = True
    is_superuser = True


class CalendarConnectorFactory(factory.django.DjangoModelFactory):
    """A connector whose server is a documentation address (192.0.2.0/24): a test of it is
    refused before any network traffic."""

    class Meta:
        model = "customers.CalendarConnector"

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"exch{n:02d}")
    server_url = "https://192.0.2.10/EWS/Exchange.asmx"
    username = "svc-connect@example.com"


# --- voice prompts (ORG-5) ------------------------------------------------------------------


def wav_bytes(seconds=0.2, rate=8000, channels=1, width=2, frequency=440):
    """A small sine tone as WAV bytes."""
    from connect.lib.audio import tone_wav

    return tone_wav(seconds=seconds, rate=rate, channels=channels, width=width, frequency=frequency)


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Prompt"

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Prompt {n}")
    description = "Velkommen"


class PromptRecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.PromptRecording"

    prompt = factory.SubFactory(PromptFactory)
    language = "da"
    status = "ready"
    source = "upload"
    duration_ms = 200
    original_name = "tone.wav"
    file = factory.django.FileField(filename="tone.wav", data=factory.LazyFunction(wav_bytes))
