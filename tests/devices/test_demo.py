from devices import demo
from devices.models import Phone
from tests.factories import UserFactory


def test_demo_phones_idempotent(org_a):
    klj = UserFactory(organisation=org_a, username="klj@ipvision.dk")
    demo.seed(org_a)
    demo.seed(org_a)
    phones = {p.mac: p for p in Phone.objects.for_organisation(org_a)}
    assert set(phones) == {"000413A1B2C3", "00085D1610DE", "000413A11FA7"}
    assert phones["000413A1B2C3"].user == klj and phones["000413A1B2C3"].state == Phone.State.ASSIGNED
    assert phones["000413A1B2C3"].model_name == "Snom D725"
    assert phones["00085D1610DE"].state == Phone.State.NOT_PROVISIONED
    assert phones["000413A11FA7"].state == Phone.State.FREE_SEATING
    assert klj.sip_account.username


def test_demo_leaves_other_org_phone_alone(org_a, org_b):
    Phone.objects.create(organisation=org_b, mac="00085D1610DE", model="mitel-6867i")
    notes = demo.seed(org_a)
    assert Phone.objects.get(mac="00085D1610DE").organisation == org_b
    assert any("another organisation" in n for n in notes)
